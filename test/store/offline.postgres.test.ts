import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresOfflineStore } from '../../src/store/postgres/offline-store.js';
import { openPostgresOnlineStore } from '../../src/store/postgres/online-store.js';
import { offlineStoreConformance } from './offline.conformance.js';
import { dropSchemas, POSTGRES_BASE_URL, postgresUrl, STORE_CONFIG } from './postgres-helpers.js';

const schemas: string[] = [];

offlineStoreConformance('postgres', {
  async open() {
    const url = postgresUrl('offline');
    schemas.push(url.searchParams.get('schema')!);
    return openPostgresOfflineStore(url, STORE_CONFIG);
  },
});

afterAll(() => dropSchemas(schemas));

describe('PostgreSQL schema management', () => {
  it('migrates once and indexes history tables', async () => {
    const url = postgresUrl('migrate');
    const schema = url.searchParams.get('schema')!;
    schemas.push(schema);
    const first = await openPostgresOnlineStore(url, STORE_CONFIG);
    await first.close();
    const second = await openPostgresOnlineStore(url, STORE_CONFIG);
    await second.close();
    const offline = await openPostgresOfflineStore(url, STORE_CONFIG);
    const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
    await client.connect();
    try {
      const steps = await client.query(`SELECT component, step FROM "${schema}".twostage_migrations ORDER BY component, step`);
      expect(steps.rows).toEqual([{ component: 'online', step: 0 }]);

      const history = { name: 'user_stats_history', columns: [
        { name: 'entity_id', type: 'VARCHAR' as const },
        { name: 'event_time', type: 'BIGINT' as const },
        { name: 'created_time', type: 'BIGINT' as const },
        { name: 'count', type: 'DOUBLE' as const },
      ] };
      await offline.appendRows(history, [['u1', 1, 1, 2]]);
      await offline.replaceTables([history], async (writers) => writers.user_stats_history.append([['u2', 2, 2, 3]]));
      const indexes = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'user_stats_history'`, [schema]);
      expect(indexes.rows.map((r) => r.indexdef)).toEqual([expect.stringContaining('(entity_id, event_time, created_time)')]);

      await client.query(`INSERT INTO "${schema}".twostage_migrations (component, step) VALUES ('online', 99)`);
      await expect(openPostgresOnlineStore(url, STORE_CONFIG)).rejects.toThrow(/newer twostage/);
    } finally {
      await client.end();
      await offline.close();
    }
  });

  it('rejects names PostgreSQL would truncate', async () => {
    const url = postgresUrl('names');
    schemas.push(url.searchParams.get('schema')!);
    const store = await openPostgresOfflineStore(url, STORE_CONFIG);
    try {
      await expect(store.appendRows({ name: 't'.repeat(64), columns: [{ name: 'a', type: 'VARCHAR' }] }, [])).rejects.toThrow(/63 bytes/);
    } finally {
      await store.close();
    }
  });
});
