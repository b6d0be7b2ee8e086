import { afterAll } from 'vitest';
import { openPostgresRegistryStore } from '../../src/store/postgres/registry-store.js';
import { registryStoreConformance } from './registry.conformance.js';
import { dropSchemas, postgresUrl, STORE_CONFIG } from './postgres-helpers.js';

const schemas: string[] = [];

registryStoreConformance('postgres', {
  async open() {
    const url = postgresUrl('registry');
    schemas.push(url.searchParams.get('schema')!);
    return openPostgresRegistryStore(url, STORE_CONFIG);
  },
});

afterAll(() => dropSchemas(schemas));
