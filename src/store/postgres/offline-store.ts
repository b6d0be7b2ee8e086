import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../../config/load.js';
import { guard } from '../remote/guard.js';
import type { ColumnBatch, OfflineStore, ReadTableOptions, Row, TableSchema, TableWriter } from '../types.js';
import { closePostgres, connectPostgres, inTransaction, quoteIdentifier as q, validateIdentifier, type PostgresConnection } from './connection.js';
import { migrate } from './migrations.js';
import { columnArrays, createTableSql, historyIndexSql, insertSql, ROW_ID, selectSql, toColumnBatch } from './offline-sql.js';

const DEFAULT_BATCH_SIZE = 10_000;
/** Rows per INSERT; each column is one array parameter, so this bounds the message size only. */
const INSERT_CHUNK = 10_000;
/** Statement limit of the offline store when the URL sets none: bulk reads and writes take minutes. */
const OFFLINE_TIMEOUT_MS = 600_000;

/** Opens `postgres://user@host:port/database?schema=…` as an offline store. */
export async function openPostgresOfflineStore(url: URL, config: Pick<Config, 'STORE_TIMEOUT_MS'>): Promise<PostgresOfflineStore> {
  const connection = await connectPostgres('offline', url, config.STORE_TIMEOUT_MS, OFFLINE_TIMEOUT_MS);
  try {
    await migrate(connection, 'offline', []);
  } catch (error) {
    await closePostgres(connection.pool);
    throw error;
  }
  return new PostgresOfflineStore(url.toString(), connection);
}

/**
 * Offline store on PostgreSQL tables in one schema. Each table carries a hidden identity column
 * numbering rows in insertion order, which breaks ties of `orderBy` and orders reads without it.
 * `replaceTables` fills staging tables and swaps them in within one transaction, so other sessions
 * see the old tables until the commit and nothing changes if `fill` throws.
 */
export class PostgresOfflineStore implements OfflineStore {
  readonly url: string;
  private readonly connection: PostgresConnection;

  constructor(url: string, connection: PostgresConnection) {
    this.url = url;
    this.connection = connection;
  }

  async replaceTables(schemas: readonly TableSchema[], fill: (writers: Readonly<Record<string, TableWriter>>) => Promise<void>): Promise<void> {
    schemas.forEach((schema) => validateSchema(schema));
    await inTransaction(this.connection, `replace tables ${schemas.map((s) => s.name).join(', ')}`, async (client) => {
      const writers: Record<string, TableWriter> = {};
      const staging = new Map<string, string>();
      for (const schema of schemas) {
        const name = `twostage_staging_${randomBytes(6).toString('hex')}`;
        staging.set(schema.name, name);
        await this.run(client, `create staging table for ${schema.name}`, createTableSql(this.qualify(name), schema));
        writers[schema.name] = { append: (rows) => this.insert(client, this.qualify(name), schema, rows) };
      }
      await fill(writers);
      for (const schema of schemas) {
        const live = this.qualify(schema.name);
        await this.run(client, `drop table ${schema.name}`, `DROP TABLE IF EXISTS ${live}`);
        await this.run(client, `rename staging table to ${schema.name}`, `ALTER TABLE ${this.qualify(staging.get(schema.name)!)} RENAME TO ${q(schema.name)}`);
        const index = historyIndexSql(live, schema);
        if (index) await this.run(client, `index table ${schema.name}`, index);
      }
    });
  }

  async appendRows(schema: TableSchema, rows: readonly Row[]): Promise<void> {
    validateSchema(schema);
    await inTransaction(this.connection, `append to table ${schema.name}`, async (client) => {
      const qualified = this.qualify(schema.name);
      // Serialises concurrent first appends, which would otherwise race to create the table.
      await this.run(client, `lock table ${schema.name}`, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.connection.options.schema}.${schema.name}`]);
      const exists = await this.tableExists(client, schema.name);
      if (!exists) {
        await this.run(client, `create table ${schema.name}`, createTableSql(qualified, schema));
        const index = historyIndexSql(qualified, schema);
        if (index) await this.run(client, `index table ${schema.name}`, index);
      }
      await this.insert(client, qualified, schema, rows);
    });
  }

  async hasTable(name: string): Promise<boolean> {
    return this.tableExists(this.connection.pool, name);
  }

  async readTable(name: string, options: ReadTableOptions = {}): Promise<ColumnBatch> {
    const types = await this.columnTypes(name);
    const columns = options.columns ?? [...types.keys()];
    const result = await this.run(this.connection.pool, `read table ${name}`, selectSql(this.qualify(name), columns, options));
    return toColumnBatch(result.rows, columns, types);
  }

  async *scanTable(name: string, options: ReadTableOptions & { batchSize?: number } = {}): AsyncIterable<ColumnBatch> {
    const types = await this.columnTypes(name);
    const columns = options.columns ?? [...types.keys()];
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const client = await guard(this.connection.context, `scan table ${name}: connect`, () => this.connection.pool.connect());
    try {
      await this.run(client, `scan table ${name}`, 'BEGIN READ ONLY');
      await this.run(client, `scan table ${name}`, `DECLARE twostage_scan NO SCROLL CURSOR FOR ${selectSql(this.qualify(name), columns, options)}`);
      for (;;) {
        const result = await this.run(client, `scan table ${name}`, `FETCH FORWARD ${batchSize} FROM twostage_scan`);
        if (result.rows.length === 0) break;
        yield toColumnBatch(result.rows, columns, types);
        if (result.rows.length < batchSize) break;
      }
      await this.run(client, `scan table ${name}`, 'COMMIT');
    } finally {
      // Ends the transaction when the caller stopped early or a fetch failed; harmless after COMMIT.
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  async countRows(name: string): Promise<number> {
    if (!(await this.hasTable(name))) return 0;
    const result = await this.run(this.connection.pool, `count rows of ${name}`, `SELECT count(*) AS n FROM ${this.qualify(name)}`);
    return Number(result.rows[0].n);
  }

  async dropTable(name: string): Promise<void> {
    await this.run(this.connection.pool, `drop table ${name}`, `DROP TABLE IF EXISTS ${this.qualify(name)}`);
  }

  async ping(): Promise<void> {
    await this.run(this.connection.pool, 'ping', 'SELECT 1');
  }

  async close(): Promise<void> {
    await closePostgres(this.connection.pool);
  }

  private async insert(client: pg.PoolClient, qualified: string, schema: TableSchema, rows: readonly Row[]): Promise<void> {
    const sql = insertSql(qualified, schema);
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const arrays = columnArrays(schema, rows.slice(start, start + INSERT_CHUNK));
      await this.run(client, `insert into ${schema.name}`, sql, arrays);
    }
  }

  private async tableExists(runner: pg.Pool | pg.PoolClient, name: string): Promise<boolean> {
    const result = await this.run(runner, `look up table ${name}`, 'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [
      this.connection.options.schema,
      name,
    ]);
    return result.rows.length > 0;
  }

  private async columnTypes(name: string): Promise<Map<string, string>> {
    const result = await this.run(
      this.connection.pool,
      `read columns of ${name}`,
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [this.connection.options.schema, name],
    );
    if (result.rows.length === 0) throw new Error(`table ${name} does not exist in ${this.connection.context.maskedUrl}`);
    return new Map(result.rows.filter((r) => r.column_name !== ROW_ID).map((r) => [String(r.column_name), String(r.data_type)]));
  }

  private run(runner: pg.Pool | pg.PoolClient, operation: string, sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    return guard(this.connection.context, operation, () => runner.query(sql, values));
  }

  private qualify(name: string): string {
    return `${q(this.connection.options.schema)}.${q(name)}`;
  }
}

function validateSchema(schema: TableSchema): void {
  validateIdentifier(schema.name, 'table');
  for (const column of schema.columns) {
    validateIdentifier(column.name, 'column');
    if (column.name === ROW_ID) throw new Error(`column name ${ROW_ID} in table ${schema.name} is reserved by the PostgreSQL offline store`);
  }
}
