import { randomBytes } from 'node:crypto';
import { ModelError, TwostageError } from '../errors.js';
import { getLogger } from '../log.js';
import type { CandidateStore, ModelVersionRecord, RegistryStore, StageChange } from '../store/types.js';
import { MODEL_KINDS, type ModelKind, type RegisterRequest, type StageTransition } from './types.js';

/**
 * Model versions and their stages, over a RegistryStore. New versions start in `staging`;
 * `promote` moves one to `production` and archives the one it replaces, so each kind has at most
 * one production version. Promoting a retrieval model also activates the candidate store version
 * it produced: the candidate version is switched first, and when that fails the stages stay as
 * they were.
 */
export class ModelRegistry {
  readonly store: RegistryStore;
  private readonly candidates: CandidateStore | null;

  constructor(store: RegistryStore, candidates: CandidateStore | null = null) {
    this.store = store;
    this.candidates = candidates;
  }

  /** Inserts a new version in `staging` and returns its record. */
  async register(request: RegisterRequest): Promise<ModelVersionRecord> {
    const kind = parseModelKind(request.kind);
    const createdAt = request.createdAt ?? Date.now();
    const record: ModelVersionRecord = {
      kind,
      version: request.version ?? newVersionId(createdAt),
      stage: 'staging',
      createdAt,
      params: request.params,
      metrics: request.metrics,
      dataFingerprint: request.dataFingerprint,
      artifactKey: request.artifactKey,
      candidateVersion: request.candidateVersion ?? null,
    };
    await this.store.insertVersion(record);
    return record;
  }

  async list(kind?: ModelKind): Promise<ModelVersionRecord[]> {
    return this.store.listVersions(kind === undefined ? undefined : parseModelKind(kind));
  }

  /** Returns the record of one version, or throws REC_ERR_MODEL_NOT_FOUND naming the known versions. */
  async get(kind: ModelKind, version: string): Promise<ModelVersionRecord> {
    const record = await this.store.getVersion(parseModelKind(kind), version);
    if (record) return record;
    const known = (await this.store.listVersions(kind)).map((r) => r.version);
    const hint = known.length === 0 ? `no ${kind} versions are registered; run \`twostage pipeline\`` : `known ${kind} versions: ${known.slice(0, 10).join(', ')}`;
    throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `${kind} model version "${version}" not found in the registry; ${hint}`);
  }

  /** The production version of a kind, or null. */
  async production(kind: ModelKind): Promise<ModelVersionRecord | null> {
    const versions = await this.store.listVersions(parseModelKind(kind));
    return versions.find((r) => r.stage === 'production') ?? null;
  }

  /**
   * Makes `version` the production version of `kind` and archives the previous one. For a
   * retrieval model with a candidate version, that version is activated in the candidate store
   * first; if the stage change then fails, the previously active candidate version is restored.
   */
  async promote(kind: ModelKind, version: string): Promise<StageTransition> {
    const target = await this.get(kind, version);
    const previous = await this.production(kind);
    const activated = await this.activateCandidates(target);

    const changes: StageChange[] = [];
    if (previous && previous.version !== target.version) changes.push({ kind, version: previous.version, stage: 'archived' });
    changes.push({ kind, version: target.version, stage: 'production' });
    try {
      await this.store.setStages(changes);
    } catch (error) {
      await this.restoreCandidates(activated, error);
      throw error;
    }

    return {
      kind,
      current: { ...target, stage: 'production' },
      previous: previous && previous.version !== target.version ? { ...previous, stage: 'archived' } : null,
      activatedCandidateVersion: activated?.version ?? null,
    };
  }

  /**
   * Moves the production version of `kind` to `archived`, leaving no production version of that
   * kind, and returns the archived record (null when there was none). The pipeline archives the
   * ranker when a run trains none, so a ranker trained on other data stops scoring the new candidates.
   */
  async archiveProduction(kind: ModelKind): Promise<ModelVersionRecord | null> {
    const current = await this.production(kind);
    if (current === null) return null;
    await this.store.setStages([{ kind, version: current.version, stage: 'archived' }]);
    return { ...current, stage: 'archived' };
  }

  /**
   * Puts back the version that production replaced: `to` when given, otherwise the newest archived
   * version created before the current production version (or the newest archived one when the
   * current version is older than all of them).
   */
  async rollback(kind: ModelKind, to?: string): Promise<StageTransition> {
    const target = await this.rollbackTarget(kind, to);
    return this.promote(kind, target.version);
  }

  /**
   * Returns the version `rollback` would put into production: `to` when given (it must not be the
   * production version), else the newest archived version older than production, else the newest
   * archived one. Throws when there is none, so callers can check the target before any change.
   */
  async rollbackTarget(kind: ModelKind, to?: string): Promise<ModelVersionRecord> {
    const versions = await this.store.listVersions(parseModelKind(kind));
    const current = versions.find((r) => r.stage === 'production') ?? null;
    if (to !== undefined) {
      const target = await this.get(kind, to);
      if (current && target.version === current.version) {
        throw new TwostageError('REC_ERR_REQUEST_INVALID', `${kind} version ${to} is already in production; give another version to roll back to`);
      }
      return target;
    }

    const archived = versions.filter((r) => r.stage === 'archived');
    const older = current ? archived.filter((r) => isOlder(r, current)) : archived;
    const target = older[0] ?? archived[0];
    if (!target) {
      throw new TwostageError(
        'REC_ERR_MODEL_NOT_FOUND',
        `no archived ${kind} version to roll back to${current ? ` (production is ${current.version})` : ''}; list versions with \`twostage models list\``,
      );
    }
    return target;
  }

  /**
   * Deletes candidate store versions no retrieval version needs any more: every committed version
   * except those of the production retrieval version, of the `keepArchived` newest archived ones
   * (so they can still be rolled back to) and of staging versions. Returns the deleted versions.
   */
  async pruneCandidateVersions(keepArchived = 2): Promise<string[]> {
    if (!this.candidates) return [];
    const versions = await this.store.listVersions('retrieval');
    const archived = versions.filter((r) => r.stage === 'archived').slice(0, keepArchived);
    const kept = new Set(
      [...versions.filter((r) => r.stage !== 'archived'), ...archived].map((r) => r.candidateVersion).filter((v): v is string => v !== null),
    );
    const active = await this.candidates.activeVersion();
    const deleted: string[] = [];
    for (const version of await this.candidates.listVersions()) {
      if (kept.has(version) || version === active) continue;
      await this.candidates.deleteVersion(version);
      deleted.push(version);
    }
    return deleted;
  }

  private async activateCandidates(target: ModelVersionRecord): Promise<{ version: string; previous: string | null } | null> {
    if (target.kind !== 'retrieval' || target.candidateVersion === null) return null;
    if (!this.candidates) {
      throw new TwostageError(
        'REC_ERR_CONFIG_INVALID',
        `retrieval version ${target.version} has candidate version ${target.candidateVersion}, but the registry was opened without a candidate store`,
      );
    }
    const previous = await this.candidates.activeVersion();
    try {
      await this.candidates.activate(target.candidateVersion);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TwostageError(
        error instanceof TwostageError ? error.code : 'REC_ERR_STORE_UNAVAILABLE',
        `failed to activate candidate version ${target.candidateVersion} of retrieval version ${target.version}; no stage was changed: ${reason}`,
        { cause: error },
      );
    }
    return { version: target.candidateVersion, previous };
  }

  private async restoreCandidates(activated: { version: string; previous: string | null } | null, cause: unknown): Promise<void> {
    if (!activated || activated.previous === null || activated.previous === activated.version || !this.candidates) return;
    try {
      await this.candidates.activate(activated.previous);
    } catch (error) {
      getLogger().error(
        { err: error, cause, candidateVersion: activated.previous },
        'failed to restore the previous candidate version after a failed promotion',
      );
    }
  }
}

/** Validates a kind from user input. */
export function parseModelKind(kind: string): ModelKind {
  if ((MODEL_KINDS as readonly string[]).includes(kind)) return kind as ModelKind;
  throw new TwostageError('REC_ERR_REQUEST_INVALID', `unknown model kind "${kind}": expected one of ${MODEL_KINDS.join(', ')}`);
}

/**
 * A new version id: UTC creation time to the millisecond plus 4 random hex digits, so ids sort by
 * creation time and two registrations in the same millisecond still differ (`20261204-205745-123-9f3a`).
 */
export function newVersionId(createdAt: number = Date.now()): string {
  const iso = new Date(createdAt).toISOString(); // 2026-12-04T20:57:45.123Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

function isOlder(a: ModelVersionRecord, b: ModelVersionRecord): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.version < b.version);
}
