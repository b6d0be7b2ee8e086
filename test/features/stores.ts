import Database from 'better-sqlite3';
import { connectDuckDb } from '../../src/store/duckdb/connection.js';
import { DuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import { SqliteOnlineStore } from '../../src/store/sqlite/online-store.js';

/** Opens a private in-memory offline store (DuckDB) and online store (SQLite) for one test. */
export async function memoryStores(): Promise<{ offline: DuckDbOfflineStore; online: SqliteOnlineStore; close: () => Promise<void> }> {
  const offline = new DuckDbOfflineStore('duckdb:///:memory:', await connectDuckDb(':memory:'));
  const online = new SqliteOnlineStore('sqlite:///:memory:', new Database(':memory:'));
  return {
    offline,
    online,
    close: async () => {
      await offline.close();
      await online.close();
    },
  };
}
