import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { urlToPath } from '../open.js';
import { jsonCellText, type CellValue, type ColumnBatch, type ColumnType, type OfflineStore, type ReadTableOptions, type Row, type TableSchema, type TableWriter } from '../types.js';
import { connectDuckDb, quoteIdentifier as q } from './connection.js';
import { ChunkStagingWriter } from './chunk-staging.js';

const STAGING_SUFFIX = '__staging';
const DEFAULT_BATCH_SIZE = 10_000;

/** Opens `duckdb://FILE` (or `duckdb://:memory:`) as an offline store. */
export async function openDuckDbOfflineStore(url: URL): Promise<DuckDbOfflineStore> {
  const file = url.host === ':memory:' || url.pathname === ':memory:' ? ':memory:' : urlToPath(url);
  return new DuckDbOfflineStore(url.toString(), await connectDuckDb(file));
}

/**
 * Offline store on a DuckDB file. Whole-table replacement appends to staging tables, then drops
 * and renames, all inside one transaction, so readers see the old tables or the new ones, never
 * a mix.
 */
export class DuckDbOfflineStore implements OfflineStore {
  readonly url: string;
  /** The underlying connection, for callers that run their own SQL (for example an ASOF JOIN). */
  readonly connection: DuckDBConnection;
  private closed = false;

  constructor(url: string, connection: DuckDBConnection) {
    this.url = url;
    this.connection = connection;
  }

  async replaceTables(schemas: readonly TableSchema[], fill: (writers: Readonly<Record<string, TableWriter>>) => Promise<void>): Promise<void> {
    // The staging tables are created and filled through appenders inside one transaction, which
    // also drops the live tables and renames the staging ones. A failure, or a process killed
    // before COMMIT, leaves the live tables as they were and no staging table behind.
    await this.connection.run('BEGIN TRANSACTION');
    const writers = new Map<string, ChunkStagingWriter>();
    try {
      for (const schema of schemas) {
        const table = `${schema.name}${STAGING_SUFFIX}`;
        await this.connection.run(`DROP TABLE IF EXISTS ${q(table)}`);
        await this.connection.run(createTableSql(table, schema));
        writers.set(schema.name, await ChunkStagingWriter.open(this.connection, table, schema));
      }
      await fill(Object.fromEntries(writers));
      for (const writer of writers.values()) writer.close();
      for (const schema of schemas) {
        await this.connection.run(`DROP TABLE IF EXISTS ${q(schema.name)}`);
        await this.connection.run(`ALTER TABLE ${q(schema.name + STAGING_SUFFIX)} RENAME TO ${q(schema.name)}`);
      }
      await this.connection.run('COMMIT');
    } catch (error) {
      for (const writer of writers.values()) closeQuietly(writer);
      await this.connection.run('ROLLBACK');
      throw error;
    }
  }

  async appendRows(schema: TableSchema, rows: readonly Row[]): Promise<void> {
    // Check every row first: the appender flushes on close, so a row rejected halfway would leave the rows before it.
    checkRowWidths(schema, rows);
    await this.connection.run(createTableSql(schema.name, schema, true));
    // A cell can still fail to convert; the transaction then removes the rows appended before it.
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const appender = await this.connection.createAppender(schema.name);
      try {
        appendRows(appender, schema, rows);
      } finally {
        appender.closeSync();
      }
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK');
      throw error;
    }
  }

  async hasTable(name: string): Promise<boolean> {
    const reader = await this.connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1`,
      [name],
    );
    return Number(reader.getRowsJS()[0][0]) > 0;
  }

  async readTable(name: string, options: ReadTableOptions = {}): Promise<ColumnBatch> {
    const types = await this.columnTypes(name);
    const reader = await this.connection.runAndReadAll(selectSql(name, options));
    return toColumnBatch(reader.getColumnsObjectJS() as Record<string, unknown[]>, types);
  }

  async *scanTable(name: string, options: ReadTableOptions & { batchSize?: number } = {}): AsyncIterable<ColumnBatch> {
    const types = await this.columnTypes(name);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const result = await this.connection.stream(selectSql(name, options));
    const names = result.columnNames();
    let pending: Record<string, unknown[]> = Object.fromEntries(names.map((n) => [n, []]));
    let pendingRows = 0;
    for await (const rows of result.yieldRowsJs()) {
      for (const row of rows) {
        for (let i = 0; i < names.length; i++) pending[names[i]].push(row[i]);
        pendingRows += 1;
        if (pendingRows === batchSize) {
          yield toColumnBatch(pending, types);
          pending = Object.fromEntries(names.map((n) => [n, []]));
          pendingRows = 0;
        }
      }
    }
    if (pendingRows > 0) yield toColumnBatch(pending, types);
  }

  async countRows(name: string): Promise<number> {
    if (!(await this.hasTable(name))) return 0;
    const reader = await this.connection.runAndReadAll(`SELECT count(*)::BIGINT FROM ${q(name)}`);
    return Number(reader.getRowsJS()[0][0]);
  }

  async dropTable(name: string): Promise<void> {
    await this.connection.run(`DROP TABLE IF EXISTS ${q(name)}`);
  }

  async ping(): Promise<void> {
    await this.connection.run('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
  }

  private async columnTypes(name: string): Promise<Map<string, string>> {
    const reader = await this.connection.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1`,
      [name],
    );
    const rows = reader.getRowsJS();
    if (rows.length === 0) throw new Error(`table ${name} does not exist in ${this.url}`);
    return new Map(rows.map((r) => [String(r[0]), String(r[1])]));
  }
}

/** Closes a writer whose rows the caller's ROLLBACK discards; its own error would hide the first one. */
function closeQuietly(writer: ChunkStagingWriter): void {
  try {
    writer.close();
  } catch {
    // The rows are discarded with the transaction either way.
  }
}

const SQL_TYPES: Record<ColumnType, string> = {
  VARCHAR: 'VARCHAR',
  DOUBLE: 'DOUBLE',
  BIGINT: 'BIGINT',
  INTEGER: 'INTEGER',
  BOOLEAN: 'BOOLEAN',
  JSON: 'JSON',
};

function createTableSql(name: string, schema: TableSchema, ifNotExists = false): string {
  const columns = schema.columns.map((c) => `${q(c.name)} ${SQL_TYPES[c.type]}`).join(', ');
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${q(name)} (${columns})`;
}

function selectSql(name: string, options: ReadTableOptions): string {
  const columns = options.columns ? options.columns.map(q).join(', ') : '*';
  const order = options.orderBy?.length ? ` ORDER BY ${options.orderBy.map(q).join(', ')}` : '';
  return `SELECT ${columns} FROM ${q(name)}${order}`;
}

function checkRowWidths(schema: TableSchema, rows: readonly Row[]): void {
  const width = schema.columns.length;
  for (const row of rows) {
    if (row.length !== width) {
      throw new Error(`row for table ${schema.name} has ${row.length} values, expected ${width}`);
    }
  }
}

function appendRows(appender: DuckDBAppender, schema: TableSchema, rows: readonly Row[]): void {
  checkRowWidths(schema, rows);
  const width = schema.columns.length;
  for (const row of rows) {
    for (let c = 0; c < width; c++) appendCell(appender, schema.columns[c].type, row[c]);
    appender.endRow();
  }
}

function appendCell(appender: DuckDBAppender, type: ColumnType, value: CellValue): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (type) {
    case 'VARCHAR':
      appender.appendVarchar(String(value));
      return;
    case 'DOUBLE':
      appender.appendDouble(Number(value));
      return;
    case 'BIGINT':
      appender.appendBigInt(BigInt(Math.trunc(Number(value))));
      return;
    case 'INTEGER':
      appender.appendInteger(Number(value));
      return;
    case 'BOOLEAN':
      appender.appendBoolean(Boolean(value));
      return;
    case 'JSON':
      appender.appendVarchar(jsonCellText(value));
      return;
  }
}

function toColumnBatch(columns: Record<string, unknown[]>, types: Map<string, string>): ColumnBatch {
  const batch: ColumnBatch = {};
  for (const [name, values] of Object.entries(columns)) {
    const type = types.get(name);
    if (type === 'BIGINT' || type === 'HUGEINT') {
      batch[name] = values.map((v) => (v === null ? null : Number(v)));
    } else if (type === 'JSON') {
      batch[name] = values.map((v) => (v === null ? null : (JSON.parse(String(v)) as CellValue)));
    } else {
      batch[name] = values as CellValue[];
    }
  }
  return batch;
}
