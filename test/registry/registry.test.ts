import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelRegistry, newVersionId, parseModelKind } from '../../src/registry/registry.js';
import { openSqliteRegistryStore, type SqliteRegistryStore } from '../../src/store/sqlite/registry-store.js';
import { openSqliteCandidateStore, type SqliteCandidateStore } from '../../src/store/sqlite/candidate-store.js';

async function committedCandidateVersion(store: SqliteCandidateStore, version: string): Promise<void> {
  const writer = await store.beginVersion(version);
  await writer.write([{ userId: 'u1', items: [{ itemId: `item-${version}`, score: 1 }] }]);
  await writer.commit();
}

describe('ModelRegistry', () => {
  let dir: string;
  let store: SqliteRegistryStore;
  let candidates: SqliteCandidateStore;
  let registry: ModelRegistry;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-registry-'));
    store = await openSqliteRegistryStore(new URL(`sqlite://${dir}/registry.sqlite`));
    candidates = await openSqliteCandidateStore(new URL(`sqlite://${dir}/candidates.sqlite`));
    registry = new ModelRegistry(store, candidates);
  });

  afterEach(async () => {
    await store.close();
    await candidates.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = (kind: 'retrieval' | 'ranker', version: string, createdAt: number, candidateVersion: string | null = null) =>
    registry.register({ kind, version, createdAt, params: {}, metrics: { ndcg_at_10: 0.1 }, dataFingerprint: 'fp', artifactKey: `models/${kind}/${version}`, candidateVersion });

  it('registers new versions in staging', async () => {
    const record = await register('ranker', 'r1', 1_000);
    expect(record.stage).toBe('staging');
    expect(await registry.production('ranker')).toBeNull();
    expect((await registry.get('ranker', 'r1')).metrics).toEqual({ ndcg_at_10: 0.1 });
  });

  it('promotes and archives the previous production version', async () => {
    await register('ranker', 'r1', 1_000);
    await register('ranker', 'r2', 2_000);
    const first = await registry.promote('ranker', 'r1');
    expect(first.previous).toBeNull();
    const second = await registry.promote('ranker', 'r2');
    expect(second.previous?.version).toBe('r1');
    expect((await registry.get('ranker', 'r1')).stage).toBe('archived');
    expect((await registry.production('ranker'))?.version).toBe('r2');
  });

  it('archives the production version without a successor', async () => {
    await register('ranker', 'r1', 1_000);
    await registry.promote('ranker', 'r1');
    const archived = await registry.archiveProduction('ranker');
    expect(archived?.version).toBe('r1');
    expect(await registry.production('ranker')).toBeNull();
    expect((await registry.get('ranker', 'r1')).stage).toBe('archived');
    expect(await registry.archiveProduction('ranker')).toBeNull();
    // A rollback brings it back.
    expect((await registry.rollback('ranker')).current.version).toBe('r1');
  });

  it('activates the candidate version of a retrieval model', async () => {
    await committedCandidateVersion(candidates, 'c1');
    await register('retrieval', 's1', 1_000, 'c1');
    const transition = await registry.promote('retrieval', 's1');
    expect(transition.activatedCandidateVersion).toBe('c1');
    expect(await candidates.activeVersion()).toBe('c1');
  });

  it('leaves stages unchanged when activation fails', async () => {
    await committedCandidateVersion(candidates, 'c1');
    await register('retrieval', 's1', 1_000, 'c1');
    await registry.promote('retrieval', 's1');
    await register('retrieval', 's2', 2_000, 'c2-never-written');

    await expect(registry.promote('retrieval', 's2')).rejects.toThrow(/failed to activate candidate version c2-never-written/);
    expect((await registry.production('retrieval'))?.version).toBe('s1');
    expect((await registry.get('retrieval', 's2')).stage).toBe('staging');
    expect(await candidates.activeVersion()).toBe('c1');
  });

  it('restores candidates when the stage change fails', async () => {
    await committedCandidateVersion(candidates, 'c1');
    await committedCandidateVersion(candidates, 'c2');
    await register('retrieval', 's1', 1_000, 'c1');
    await register('retrieval', 's2', 2_000, 'c2');
    await registry.promote('retrieval', 's1');
    await store.close();

    await expect(registry.promote('retrieval', 's2')).rejects.toThrow();
    expect(await candidates.activeVersion()).toBe('c1');
    store = await openSqliteRegistryStore(new URL(`sqlite://${dir}/registry.sqlite`));
  });

  it('prunes candidates no version needs', async () => {
    for (const [version, at] of [['s1', 1_000], ['s2', 2_000], ['s3', 3_000], ['s4', 4_000]] as const) {
      await committedCandidateVersion(candidates, `c-${version}`);
      await register('retrieval', version, at, `c-${version}`);
      await registry.promote('retrieval', version);
    }
    await committedCandidateVersion(candidates, 'c-orphan');
    const deleted = await registry.pruneCandidateVersions(2);
    expect(deleted.sort()).toEqual(['c-orphan', 'c-s1']);
    expect((await candidates.listVersions()).sort()).toEqual(['c-s2', 'c-s3', 'c-s4']);
    expect(await candidates.activeVersion()).toBe('c-s4');
  });

  it('rolls back to the newest older archived version', async () => {
    for (const [version, at] of [['r1', 1_000], ['r2', 2_000], ['r3', 3_000]] as const) {
      await register('ranker', version, at);
      await registry.promote('ranker', version);
    }
    const back = await registry.rollback('ranker');
    expect(back.current.version).toBe('r2');
    expect(back.previous?.version).toBe('r3');
    const again = await registry.rollback('ranker');
    expect(again.current.version).toBe('r1');
  });

  it('rolls back to an explicit version', async () => {
    for (const [version, at] of [['r1', 1_000], ['r2', 2_000], ['r3', 3_000]] as const) {
      await register('ranker', version, at);
      await registry.promote('ranker', version);
    }
    expect((await registry.rollback('ranker', 'r1')).current.version).toBe('r1');
    await expect(registry.rollback('ranker', 'r1')).rejects.toMatchObject({ code: 'REC_ERR_REQUEST_INVALID' });
  });

  it('rejects a rollback with nothing archived', async () => {
    await register('ranker', 'r1', 1_000);
    await registry.promote('ranker', 'r1');
    await expect(registry.rollback('ranker')).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
  });

  it('names known versions for an unknown one', async () => {
    await register('ranker', 'r1', 1_000);
    await expect(registry.get('ranker', 'nope')).rejects.toThrow(/known ranker versions: r1/);
  });

  it('rejects an unknown kind', () => {
    expect(() => parseModelKind('embedding')).toThrow(/expected one of retrieval, ranker/);
  });

  it('makes sortable, distinct version ids', () => {
    const a = newVersionId(Date.UTC(2026, 11, 4, 20, 57, 45, 123));
    expect(a).toMatch(/^20261204-205745-123-[0-9a-f]{4}$/);
    const b = newVersionId(Date.UTC(2026, 11, 4, 20, 57, 45, 124));
    expect(a < b).toBe(true);
  });
});
