import pg from 'pg';
import { StoreError } from '../../errors.js';
import { callContext, guard, type CallContext } from '../remote/guard.js';

/** Settings of a `postgres://` store URL, from its query string. */
export interface PostgresUrlOptions {
  /** Schema that contains every table of the store (`?schema=twostage`), created when missing. */
  readonly schema: string;
  /** Limit of one statement, ms (`?timeoutMs=`); defaults to STORE_TIMEOUT_MS, or 10 minutes for the offline store. */
  readonly timeoutMs: number;
  /** Connections in the pool (`?poolSize=10`). */
  readonly poolSize: number;
}

export interface PostgresConnection {
  readonly pool: pg.Pool;
  readonly options: PostgresUrlOptions;
  readonly context: CallContext;
}

const OWN_PARAMETERS = new Set(['schema', 'timeoutMs', 'poolSize']);
const MAX_IDENTIFIER_BYTES = 63;

export function parsePostgresUrl(url: URL, defaultTimeoutMs: number): PostgresUrlOptions {
  const schema = url.searchParams.get('schema') ?? 'twostage';
  validateIdentifier(schema, 'schema');
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = url.searchParams.get(key);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid ${key}=${raw} in PostgreSQL store URL: expected an integer from ${min} to ${max}`);
    }
    return value;
  };
  return { schema, timeoutMs: integer('timeoutMs', defaultTimeoutMs, 1, 86_400_000), poolSize: integer('poolSize', 10, 1, 1_000) };
}

/**
 * Opens a pool and checks that the server runs a query. Connecting and each statement are bounded
 * by the store's time limit, and the server also cancels a statement that runs longer (`statement_timeout`).
 * Query parameters other than this project's (such as `sslmode`) go to the pg client unchanged.
 */
export async function connectPostgres(kind: string, url: URL, connectTimeoutMs: number, defaultStatementTimeoutMs: number): Promise<PostgresConnection> {
  const options = parsePostgresUrl(url, defaultStatementTimeoutMs);
  const context = callContext(kind, url, connectTimeoutMs);
  const clientUrl = new URL(url.toString());
  for (const key of OWN_PARAMETERS) clientUrl.searchParams.delete(key);
  if (clientUrl.protocol === 'postgresql:') clientUrl.protocol = 'postgres:';
  const pool = new pg.Pool({
    connectionString: clientUrl.toString(),
    max: options.poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: options.timeoutMs,
    query_timeout: options.timeoutMs + 1_000,
    idleTimeoutMillis: 30_000,
    application_name: 'twostage',
  });
  // An idle client that loses its server emits here; the next query reports the failure.
  pool.on('error', () => {});
  try {
    await guard(context, 'connect', () => pool.query('SELECT 1'));
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return { pool, options, context: { ...context, timeoutMs: options.timeoutMs + 2_000 } };
}

/** Runs `body` in one transaction on one pooled client; rolls back when it throws. */
export async function inTransaction<T>(connection: PostgresConnection, operation: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await guard(connection.context, `${operation}: connect`, () => connection.pool.connect());
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Ends a pool; a second call does nothing. */
export async function closePostgres(pool: pg.Pool): Promise<void> {
  if (pool.ended) return;
  await pool.end();
}

/** Quotes an SQL identifier ("name", with inner quotes doubled). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Rejects names PostgreSQL would silently truncate (more than 63 bytes) or cannot store. */
export function validateIdentifier(name: string, what: string): void {
  if (typeof name !== 'string' || name === '' || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES || name.includes('\u0000')) {
    throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid PostgreSQL ${what} name "${String(name)}": expected 1 to ${MAX_IDENTIFIER_BYTES} bytes`);
  }
}
