import { afterAll } from 'vitest';
import { openPostgresOnlineStore } from '../../src/store/postgres/online-store.js';
import { onlineStoreConformance } from './online.conformance.js';
import { dropSchemas, postgresUrl, STORE_CONFIG } from './postgres-helpers.js';

const schemas: string[] = [];

onlineStoreConformance('postgres', {
  async open() {
    const url = postgresUrl('online');
    schemas.push(url.searchParams.get('schema')!);
    return openPostgresOnlineStore(url, STORE_CONFIG);
  },
});

afterAll(() => dropSchemas(schemas));
