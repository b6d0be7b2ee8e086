import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { urlToPath } from '../open.js';
import type { FeatureValue, OnlineReadOptions, OnlineRecord, OnlineStore } from '../types.js';

/** Opens `sqlite://FILE` (or `sqlite:///:memory:` for a private in-memory database) as an online store. */
export async function openSqliteOnlineStore(url: URL): Promise<SqliteOnlineStore> {
  const file = [':memory:', '/:memory:'].includes(urlToPath(url)) ? ':memory:' : urlToPath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return new SqliteOnlineStore(url.toString(), new Database(file));
}

interface StoredRow {
  entity_id: string;
  event_time: number;
  created_time: number;
  feature_values: string;
}

/**
 * Online store on one SQLite table, `online_features`, keyed by (group, entity id) and holding the
 * latest record's times and its values as a JSON object. The database runs in WAL mode, so the
 * API's readers are not blocked while the feature pipeline writes. A batch read is one SELECT
 * whatever the number of ids: they travel as one JSON array parameter expanded by `json_each`,
 * which sidesteps SQLite's limit on bound parameters.
 */
export class SqliteOnlineStore implements OnlineStore {
  readonly url: string;
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly selectMany: Database.Statement;
  private readonly selectOne: Database.Statement;
  private readonly deleteGroup: Database.Statement;
  private closed = false;

  constructor(url: string, db: Database.Database) {
    this.url = url;
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS online_features (
      feature_group TEXT NOT NULL,
      entity_id TEXT NOT NULL,
      event_time REAL NOT NULL,
      created_time REAL NOT NULL,
      feature_values TEXT NOT NULL,
      PRIMARY KEY (feature_group, entity_id)
    ) WITHOUT ROWID`);

    // The stored record is replaced only by one whose (event_time, created_time) is not older.
    this.upsert = db.prepare(`INSERT INTO online_features (feature_group, entity_id, event_time, created_time, feature_values)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (feature_group, entity_id) DO UPDATE SET
        event_time = excluded.event_time, created_time = excluded.created_time, feature_values = excluded.feature_values
      WHERE (excluded.event_time, excluded.created_time) >= (online_features.event_time, online_features.created_time)`);
    this.selectMany = db.prepare(`SELECT entity_id, event_time, created_time, feature_values FROM online_features
      WHERE feature_group = ? AND entity_id IN (SELECT value FROM json_each(?))`);
    // A read of one entity (a request's user) skips the JSON array and json_each.
    this.selectOne = db.prepare(`SELECT entity_id, event_time, created_time, feature_values FROM online_features
      WHERE feature_group = ? AND entity_id = ?`);
    this.deleteGroup = db.prepare('DELETE FROM online_features WHERE feature_group = ?');
  }

  async putLatest(group: string, records: readonly OnlineRecord[]): Promise<void> {
    for (const [i, record] of records.entries()) validateRecord(group, record, i);
    const write = this.db.transaction((batch: readonly OnlineRecord[]) => {
      for (const record of batch) {
        this.upsert.run(group, record.entityId, record.eventTime, record.createdTime, JSON.stringify(record.values));
      }
    });
    write(records);
  }

  async getMany(group: string, entityIds: readonly string[], options: OnlineReadOptions = {}): Promise<(OnlineRecord | null)[]> {
    if (entityIds.length === 0) return [];
    const oldest = options.ttlMs === undefined ? -Infinity : (options.now ?? Date.now()) - options.ttlMs;
    if (entityIds.length === 1) {
      const row = this.selectOne.get(group, entityIds[0]) as StoredRow | undefined;
      return [row === undefined ? null : toRecord(row, oldest)];
    }
    const rows = this.selectMany.all(group, JSON.stringify(entityIds)) as StoredRow[];
    const byId = new Map<string, StoredRow>();
    for (const row of rows) byId.set(row.entity_id, row);
    return entityIds.map((id) => {
      const row = byId.get(id);
      return row === undefined ? null : toRecord(row, oldest);
    });
  }

  async clearGroup(group: string): Promise<void> {
    this.deleteGroup.run(group);
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

/** Converts a stored row to its record; returns null when its event time is before `oldest` (outside the TTL). */
function toRecord(row: StoredRow, oldest: number): OnlineRecord | null {
  if (row.event_time < oldest) return null;
  return {
    entityId: row.entity_id,
    eventTime: row.event_time,
    createdTime: row.created_time,
    values: JSON.parse(row.feature_values) as Record<string, FeatureValue>,
  };
}

function validateRecord(group: string, record: OnlineRecord, index: number): void {
  if (typeof record.entityId !== 'string' || record.entityId === '') {
    throw new Error(`record ${index} for online group ${group} has an empty or non-string entity id`);
  }
  if (!Number.isFinite(record.eventTime) || !Number.isFinite(record.createdTime)) {
    throw new Error(`record ${index} (entity ${record.entityId}) for online group ${group} has a non-finite event or created time; expected ms since the epoch`);
  }
}
