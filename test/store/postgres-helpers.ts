import pg from 'pg';
import { uniqueSuffix } from './conformance.js';

export const POSTGRES_BASE_URL = process.env.TWOSTAGE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const STORE_CONFIG = { STORE_TIMEOUT_MS: 5_000 };

/** Builds a PostgreSQL URL with a fresh schema name, so parallel test runs never see each other's tables. */
export function postgresUrl(label: string): URL {
  const url = new URL(POSTGRES_BASE_URL);
  url.searchParams.set('schema', `test_${label}_${uniqueSuffix()}`.toLowerCase());
  return url;
}

/** Drops test schemas with everything in them. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
