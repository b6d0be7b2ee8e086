import type { Config } from '../../config/load.js';
import { ModelError, TwostageError } from '../../errors.js';
import { guard } from '../remote/guard.js';
import type { ModelStage, ModelVersionRecord, RegistryStore, StageChange } from '../types.js';
import { closePostgres, connectPostgres, inTransaction, quoteIdentifier as q, type PostgresConnection } from './connection.js';
import { migrate } from './migrations.js';

const STAGES: ReadonlySet<string> = new Set<ModelStage>(['staging', 'production', 'archived']);
const UNIQUE_VIOLATION = '23505';

const MIGRATIONS = [
  `CREATE TABLE {schema}.model_versions (
    kind text NOT NULL,
    version text NOT NULL,
    stage text NOT NULL CHECK (stage IN ('staging', 'production', 'archived')),
    created_at bigint NOT NULL,
    params jsonb NOT NULL,
    metrics jsonb NOT NULL,
    data_fingerprint text NOT NULL,
    artifact_key text NOT NULL,
    candidate_version text,
    PRIMARY KEY (kind, version)
  );
  CREATE UNIQUE INDEX model_versions_one_production ON {schema}.model_versions (kind) WHERE stage = 'production';
  CREATE INDEX model_versions_newest ON {schema}.model_versions (created_at DESC, version DESC);`,
];

interface VersionRow {
  kind: string;
  version: string;
  stage: string;
  created_at: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  data_fingerprint: string;
  artifact_key: string;
  candidate_version: string | null;
}

/** Opens `postgres://user@host:port/database?schema=…` as the model registry. */
export async function openPostgresRegistryStore(url: URL, config: Pick<Config, 'STORE_TIMEOUT_MS'>): Promise<PostgresRegistryStore> {
  const connection = await connectPostgres('registry', url, config.STORE_TIMEOUT_MS, config.STORE_TIMEOUT_MS);
  try {
    await migrate(connection, 'registry', MIGRATIONS);
  } catch (error) {
    await closePostgres(connection.pool);
    throw error;
  }
  return new PostgresRegistryStore(url.toString(), connection);
}

/**
 * Model versions in one PostgreSQL table, shared by every API server and trainer. A partial unique
 * index allows at most one production version per kind. `setStages` runs in one transaction, so a
 * promotion that would leave two is rolled back whole. As with any unique index, the check runs per
 * row: archive the current production version before promoting the next in the same change list.
 */
export class PostgresRegistryStore implements RegistryStore {
  readonly url: string;
  private readonly connection: PostgresConnection;
  private readonly table: string;

  constructor(url: string, connection: PostgresConnection) {
    this.url = url;
    this.connection = connection;
    this.table = `${q(connection.options.schema)}.model_versions`;
  }

  async insertVersion(record: ModelVersionRecord): Promise<void> {
    checkStage(record.stage);
    try {
      await guard(this.connection.context, `register ${record.kind}/${record.version}`, () =>
        this.connection.pool.query(
          `INSERT INTO ${this.table} (kind, version, stage, created_at, params, metrics, data_fingerprint, artifact_key, candidate_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            record.kind,
            record.version,
            record.stage,
            record.createdAt,
            JSON.stringify(record.params),
            JSON.stringify(record.metrics),
            record.dataFingerprint,
            record.artifactKey,
            record.candidateVersion,
          ],
        ),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const message =
        (error as { constraint?: string }).constraint === 'model_versions_one_production'
          ? `cannot register ${record.kind}/${record.version} as production: another ${record.kind} version is in production; register as staging and promote`
          : `model version ${record.kind}/${record.version} already exists in the registry; register under a new version`;
      throw new TwostageError('REC_ERR_REGISTRY_CONFLICT', message, { cause: error });
    }
  }

  async getVersion(kind: string, version: string): Promise<ModelVersionRecord | null> {
    const result = await guard(this.connection.context, `read ${kind}/${version}`, () =>
      this.connection.pool.query<VersionRow>(`SELECT * FROM ${this.table} WHERE kind = $1 AND version = $2`, [kind, version]),
    );
    return result.rows.length > 0 ? toRecord(result.rows[0]) : null;
  }

  async listVersions(kind?: string): Promise<ModelVersionRecord[]> {
    // Newest first; the version string breaks ties between versions created in the same millisecond.
    const result = await guard(this.connection.context, 'list versions', () =>
      kind === undefined
        ? this.connection.pool.query<VersionRow>(`SELECT * FROM ${this.table} ORDER BY created_at DESC, version DESC, kind ASC`)
        : this.connection.pool.query<VersionRow>(`SELECT * FROM ${this.table} WHERE kind = $1 ORDER BY created_at DESC, version DESC`, [kind]),
    );
    return result.rows.map(toRecord);
  }

  async setStages(changes: readonly StageChange[]): Promise<void> {
    for (const change of changes) checkStage(change.stage);
    try {
      await inTransaction(this.connection, 'change stages', async (client) => {
        for (const change of changes) {
          const result = await guard(this.connection.context, `set ${change.kind}/${change.version} to ${change.stage}`, () =>
            client.query(`UPDATE ${this.table} SET stage = $1 WHERE kind = $2 AND version = $3`, [change.stage, change.kind, change.version]),
          );
          if (result.rowCount === 0) {
            throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `model version ${change.kind}/${change.version} not found in the registry ${this.connection.context.maskedUrl}`);
          }
        }
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new TwostageError(
        'REC_ERR_REGISTRY_CONFLICT',
        `stage change rejected: a kind may have only one production version; archive the current one in the same change (${(error as Error).message})`,
        { cause: error },
      );
    }
  }

  async ping(): Promise<void> {
    await guard(this.connection.context, 'ping', () => this.connection.pool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await closePostgres(this.connection.pool);
  }
}

function toRecord(row: VersionRow): ModelVersionRecord {
  return {
    kind: row.kind,
    version: row.version,
    stage: row.stage as ModelStage,
    createdAt: Number(row.created_at),
    params: row.params,
    metrics: row.metrics,
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

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === UNIQUE_VIOLATION;
}
