import type { Config } from '../../config/load.js';
import { guard } from '../remote/guard.js';
import { isNotOlder, oldestEventTime, validateGroup, validateRecord } from '../remote/online-record.js';
import type { FeatureValue, OnlineReadOptions, OnlineRecord, OnlineStore } from '../types.js';
import { closePostgres, connectPostgres, quoteIdentifier as q, type PostgresConnection } from './connection.js';
import { migrate } from './migrations.js';

/** Records per upsert statement. */
const WRITE_CHUNK = 5_000;

const MIGRATIONS = [
  `CREATE TABLE {schema}.online_features (
    feature_group text NOT NULL,
    entity_id text NOT NULL,
    event_time double precision NOT NULL,
    created_time double precision NOT NULL,
    feature_values json NOT NULL,
    PRIMARY KEY (feature_group, entity_id)
  )`,
];

interface StoredRow {
  entity_id: string;
  event_time: number;
  created_time: number;
  feature_values: Record<string, FeatureValue>;
}

/** Opens `postgres://user@host:port/database?schema=…` as an online store. */
export async function openPostgresOnlineStore(url: URL, config: Pick<Config, 'STORE_TIMEOUT_MS'>): Promise<PostgresOnlineStore> {
  const connection = await connectPostgres('online', url, config.STORE_TIMEOUT_MS, config.STORE_TIMEOUT_MS);
  try {
    await migrate(connection, 'online', MIGRATIONS);
  } catch (error) {
    await closePostgres(connection.pool);
    throw error;
  }
  return new PostgresOnlineStore(url.toString(), connection);
}

/**
 * Online store on one PostgreSQL table keyed by (group, entity id). A write is one upsert per
 * chunk whose WHERE clause keeps the stored row unless the new (event time, created time) is not
 * older. A batch read is one SELECT with the ids as one array parameter. Values are stored as
 * `json` (text), which keeps numbers exactly as written.
 */
export class PostgresOnlineStore implements OnlineStore {
  readonly url: string;
  private readonly connection: PostgresConnection;
  private readonly table: string;

  constructor(url: string, connection: PostgresConnection) {
    this.url = url;
    this.connection = connection;
    this.table = `${q(connection.options.schema)}.online_features`;
  }

  async putLatest(group: string, records: readonly OnlineRecord[]): Promise<void> {
    validateGroup(group);
    records.forEach((record, i) => validateRecord(group, record, i));
    // One statement cannot update a row twice, so the newest record per entity is chosen here.
    const newest = new Map<string, OnlineRecord>();
    for (const record of records) {
      const current = newest.get(record.entityId);
      if (!current || isNotOlder(record, current)) newest.set(record.entityId, record);
    }
    const unique = [...newest.values()];
    for (let start = 0; start < unique.length; start += WRITE_CHUNK) {
      const chunk = unique.slice(start, start + WRITE_CHUNK);
      await guard(this.connection.context, `write ${chunk.length} records of group ${group}`, () =>
        this.connection.pool.query(
          `INSERT INTO ${this.table} AS t (feature_group, entity_id, event_time, created_time, feature_values)
           SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::float8[], $5::json[])
           ON CONFLICT (feature_group, entity_id) DO UPDATE SET
             event_time = excluded.event_time, created_time = excluded.created_time, feature_values = excluded.feature_values
           WHERE (excluded.event_time, excluded.created_time) >= (t.event_time, t.created_time)`,
          [group, chunk.map((r) => r.entityId), chunk.map((r) => r.eventTime), chunk.map((r) => r.createdTime), chunk.map((r) => JSON.stringify(r.values))],
        ),
      );
    }
  }

  async getMany(group: string, entityIds: readonly string[], options: OnlineReadOptions = {}): Promise<(OnlineRecord | null)[]> {
    validateGroup(group);
    if (entityIds.length === 0) return [];
    const result = await guard(this.connection.context, `read ${entityIds.length} records of group ${group}`, () =>
      this.connection.pool.query<StoredRow>(
        `SELECT entity_id, event_time, created_time, feature_values FROM ${this.table} WHERE feature_group = $1 AND entity_id = ANY($2::text[])`,
        [group, entityIds],
      ),
    );
    const byId = new Map(result.rows.map((row) => [row.entity_id, row]));
    const oldest = oldestEventTime(options);
    return entityIds.map((id) => {
      const row = byId.get(id);
      if (!row || row.event_time < oldest) return null;
      return { entityId: id, eventTime: row.event_time, createdTime: row.created_time, values: row.feature_values };
    });
  }

  async clearGroup(group: string): Promise<void> {
    validateGroup(group);
    await guard(this.connection.context, `clear group ${group}`, () => this.connection.pool.query(`DELETE FROM ${this.table} WHERE feature_group = $1`, [group]));
  }

  async ping(): Promise<void> {
    await guard(this.connection.context, 'ping', () => this.connection.pool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await closePostgres(this.connection.pool);
  }
}
