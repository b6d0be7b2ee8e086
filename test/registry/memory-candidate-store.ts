import type { Candidate, CandidateList, CandidateStore, CandidateVersionWriter } from '../../src/store/types.js';

/**
 * A CandidateStore in memory, for registry tests while no embedded backend is available: it keeps
 * the interface's rules (only committed versions activate; the active version cannot be deleted).
 */
export class MemoryCandidateStore implements CandidateStore {
  readonly url = 'memory://candidates';
  private readonly versions = new Map<string, { committed: boolean; lists: Map<string, Candidate[]> }>();
  private active: string | null = null;
  /** Makes the next `activate` call throw, to test failure handling. */
  failNextActivation = false;

  async beginVersion(version: string): Promise<CandidateVersionWriter> {
    const entry = { committed: false, lists: new Map<string, Candidate[]>() };
    this.versions.set(version, entry);
    return {
      version,
      write: async (lists: readonly CandidateList[]) => {
        for (const list of lists) entry.lists.set(list.userId, [...list.items]);
      },
      commit: async () => {
        entry.committed = true;
      },
      abort: async () => {
        this.versions.delete(version);
      },
    };
  }

  async activate(version: string): Promise<void> {
    if (this.failNextActivation) {
      this.failNextActivation = false;
      throw new Error('simulated activation failure');
    }
    const entry = this.versions.get(version);
    if (!entry?.committed) throw new Error(`candidate version ${version} is unknown or not committed`);
    this.active = version;
  }

  async activeVersion(): Promise<string | null> {
    return this.active;
  }

  async listVersions(): Promise<string[]> {
    return [...this.versions.entries()].filter(([, v]) => v.committed).map(([k]) => k);
  }

  async get(userId: string, version?: string): Promise<Candidate[] | null> {
    const chosen = version ?? this.active;
    if (chosen === null) return null;
    return this.versions.get(chosen)?.lists.get(userId) ?? null;
  }

  async deleteVersion(version: string): Promise<void> {
    if (version === this.active) throw new Error(`candidate version ${version} is active`);
    this.versions.delete(version);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
