import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * Opens a connection to a DuckDB file. Instances come from DuckDB's process-wide cache, because
 * one process must not open the same file twice (DuckDB then reports a lock conflict). Use
 * ':memory:' for a private in-memory database.
 */
export async function connectDuckDb(file: string): Promise<DuckDBConnection> {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const instance = file === ':memory:' ? await DuckDBInstance.create(':memory:') : await DuckDBInstance.fromCache(path.resolve(file));
  return instance.connect();
}

/** Quotes an SQL identifier ("name", with inner quotes doubled). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
