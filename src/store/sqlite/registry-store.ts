import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ModelError, TwostageError } from '../../errors.js';
import { urlToPath } from '../open.js';
import type { ModelStage, ModelVersionRecord, RegistryStore, StageChange } from '../types.js';

const STAGES: ReadonlySet<string> = new Set<ModelStage>(['staging', 'production', 'archived']);

/** Time a writer waits for another process's lock (the server polls while the CLI promotes). */
const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS model_versions (
  kind TEXT NOT NULL,
  version TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('staging', 'production', 'archived')),
  created_at INTEGER NOT NULL,
  params TEXT NOT NULL,
  metrics TEXT NOT NULL,
  data_fingerprint TEXT NOT NULL,
  artifact_key TEXT NOT NULL,
  candidate_version TEXT,
  PRIMARY KEY (kind, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS model_versions_one_production ON model_versions (kind) WHERE stage = 'production';
`;

interface VersionRow {
  kind: string;
  version: string;
  stage: string;
  created_at: number;
  params: string;
  metrics: string;
  data_fingerprint: string;
  artifact_key: string;
  candidate_version: string | null;
}

/** Opens `sqlite://FILE` (or `sqlite://:memory:`) as the model registry. */
export async function openSqliteRegistryStore(url: URL): Promise<SqliteRegistryStore> {
  const file = urlToPath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return new SqliteRegistryStore(url.toString(), new Database(file));
}

/**
 * Model versions in one SQLite table. A partial unique index allows at most one production version
 * per kind, so a half-applied promotion can never leave two; `setStages` runs in one transaction.
 * The database uses WAL so a serving process reads while a command promotes.
 */
export class SqliteRegistryStore implements RegistryStore {
  readonly url: string;
  private readonly db: Database.Database;
  private closed = false;

  constructor(url: string, db: Database.Database) {
    this.url = url;
    this.db = db;
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  async insertVersion(record: ModelVersionRecord): Promise<void> {
    checkStage(record.stage);
    try {
      this.db
        .prepare(
          `INSERT INTO model_versions (kind, version, stage, created_at, params, metrics, data_fingerprint, artifact_key, candidate_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.kind,
          record.version,
          record.stage,
          record.createdAt,
          JSON.stringify(record.params),
          JSON.stringify(record.metrics),
          record.dataFingerprint,
          record.artifactKey,
          record.candidateVersion,
        );
    } catch (error) {
      if (isConstraintError(error)) {
        throw new TwostageError('REC_ERR_REGISTRY_CONFLICT', conflictMessage(record, error as Error), { cause: error });
      }
      throw error;
    }
  }

  async getVersion(kind: string, version: string): Promise<ModelVersionRecord | null> {
    const row = this.db.prepare('SELECT * FROM model_versions WHERE kind = ? AND version = ?').get(kind, version) as VersionRow | undefined;
    return row ? toRecord(row) : null;
  }

  async listVersions(kind?: string): Promise<ModelVersionRecord[]> {
    // Newest first; the version string breaks ties between versions created in the same millisecond.
    const rows = (
      kind === undefined
        ? this.db.prepare('SELECT * FROM model_versions ORDER BY created_at DESC, version DESC, kind ASC').all()
        : this.db.prepare('SELECT * FROM model_versions WHERE kind = ? ORDER BY created_at DESC, version DESC').all(kind)
    ) as VersionRow[];
    return rows.map(toRecord);
  }

  async setStages(changes: readonly StageChange[]): Promise<void> {
    for (const change of changes) checkStage(change.stage);
    const update = this.db.prepare('UPDATE model_versions SET stage = ? WHERE kind = ? AND version = ?');
    const apply = this.db.transaction((list: readonly StageChange[]) => {
      for (const change of list) {
        const result = update.run(change.stage, change.kind, change.version);
        if (result.changes === 0) {
          throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `model version ${change.kind}/${change.version} not found in the registry ${this.url}`);
        }
      }
    });
    try {
      apply(changes);
    } catch (error) {
      if (isConstraintError(error)) {
        throw new TwostageError(
          'REC_ERR_REGISTRY_CONFLICT',
          `stage change rejected: a kind may have only one production version; archive the current one in the same change (${(error as Error).message})`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

function toRecord(row: VersionRow): ModelVersionRecord {
  return {
    kind: row.kind,
    version: row.version,
    stage: row.stage as ModelStage,
    createdAt: row.created_at,
    params: JSON.parse(row.params) as Record<string, unknown>,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    dataFingerprint: row.data_fingerprint,
    artifactKey: row.artifact_key,
    candidateVersion: row.candidate_version,
  };
}

function checkStage(stage: string): void {
  if (!STAGES.has(stage)) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid model stage "${stage}": expected one of ${[...STAGES].join(', ')}`);
  }
}

function isConstraintError(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === 'string' && (error as { code: string }).code.startsWith('SQLITE_CONSTRAINT');
}

function conflictMessage(record: ModelVersionRecord, error: Error): string {
  if (/UNIQUE constraint failed: model_versions\.kind, model_versions\.version/.test(error.message)) {
    return `model version ${record.kind}/${record.version} already exists in the registry; register under a new version`;
  }
  return `cannot register ${record.kind}/${record.version} as ${record.stage}: ${error.message}`;
}
