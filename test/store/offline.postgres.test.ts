import { afterAll } from 'vitest';
import { openPostgresOfflineStore } from '../../src/store/postgres/offline-store.js';
import { offlineStoreConformance } from './offline.conformance.js';
import { dropSchemas, postgresUrl, STORE_CONFIG } from './postgres-helpers.js';

const schemas: string[] = [];

offlineStoreConformance('postgres', {
  async open() {
    const url = postgresUrl('offline');
    schemas.push(url.searchParams.get('schema')!);
    return openPostgresOfflineStore(url, STORE_CONFIG);
  },
});

afterAll(() => dropSchemas(schemas));
