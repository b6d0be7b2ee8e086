import { jsonCellText, type CellValue, type ColumnBatch, type ColumnType, type ReadTableOptions, type Row, type TableSchema } from '../types.js';
import { quoteIdentifier as q } from './connection.js';

/** Hidden column that numbers rows in insertion order, so reads without `orderBy` keep that order. */
export const ROW_ID = 'twostage_row_id';

const SQL_TYPES: Record<ColumnType, string> = {
  VARCHAR: 'text',
  DOUBLE: 'double precision',
  BIGINT: 'bigint',
  INTEGER: 'integer',
  BOOLEAN: 'boolean',
  JSON: 'jsonb',
};

export function createTableSql(qualified: string, schema: TableSchema, ifNotExists = false): string {
  const columns = schema.columns.map((c) => `${q(c.name)} ${SQL_TYPES[c.type]}`);
  columns.push(`${q(ROW_ID)} bigint GENERATED ALWAYS AS IDENTITY`);
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${qualified} (${columns.join(', ')})`;
}

/**
 * Index for feature history tables: a table with `entity_id` and `event_time` columns gets one on
 * (entity_id, event_time, created_time), the order a point-in-time join reads, so "latest record
 * of entity E before time T" is one index probe and a scan sorted that way needs no sort step.
 */
export function historyIndexSql(qualified: string, schema: TableSchema): string | null {
  const names = new Set(schema.columns.map((c) => c.name));
  if (!names.has('entity_id') || !names.has('event_time')) return null;
  const keys = ['entity_id', 'event_time', ...(names.has('created_time') ? ['created_time'] : [])];
  return `CREATE INDEX ON ${qualified} (${keys.map(q).join(', ')})`;
}

/** Builds one INSERT for a whole chunk, with each column as one array parameter expanded by unnest. */
export function insertSql(qualified: string, schema: TableSchema): string {
  const names = schema.columns.map((c) => q(c.name)).join(', ');
  const arrays = schema.columns.map((c, i) => `$${i + 1}::${SQL_TYPES[c.type]}[]`).join(', ');
  return `INSERT INTO ${qualified} (${names}) SELECT * FROM unnest(${arrays})`;
}

/** Turns rows into one array per column, in the form the unnest parameters expect. */
export function columnArrays(schema: TableSchema, rows: readonly Row[]): unknown[][] {
  const width = schema.columns.length;
  const arrays: unknown[][] = schema.columns.map(() => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    if (row.length !== width) throw new Error(`row for table ${schema.name} has ${row.length} values, expected ${width}`);
    for (let c = 0; c < width; c++) arrays[c][r] = toParameter(schema.columns[c].type, row[c], schema.name, schema.columns[c].name);
  });
  return arrays;
}

function toParameter(type: ColumnType, value: CellValue, table: string, column: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'VARCHAR':
      return String(value);
    case 'DOUBLE':
    case 'INTEGER': {
      const number = Number(value);
      if (Number.isNaN(number) && typeof value !== 'number') throw new Error(`value ${JSON.stringify(value)} in ${table}.${column} is not a number`);
      // PostgreSQL spells the IEEE specials as words.
      if (!Number.isFinite(number)) return String(number).replace('Infinity', 'infinity');
      return type === 'INTEGER' ? Math.trunc(number) : number;
    }
    case 'BIGINT': {
      const number = Math.trunc(Number(value));
      if (!Number.isSafeInteger(number)) throw new Error(`value ${String(value)} in ${table}.${column} is not an integer within ±2^53`);
      return number;
    }
    case 'BOOLEAN':
      return Boolean(value);
    case 'JSON':
      return jsonCellText(value);
  }
}

export function selectSql(qualified: string, columns: readonly string[], options: ReadTableOptions): string {
  const order = [...(options.orderBy ?? []).map(q), q(ROW_ID)].join(', ');
  return `SELECT ${columns.map(q).join(', ')} FROM ${qualified} ORDER BY ${order}`;
}

/** Converts pg rows to columns: BIGINT arrives as a string and becomes a number. */
export function toColumnBatch(rows: readonly Record<string, unknown>[], columns: readonly string[], types: ReadonlyMap<string, string>): ColumnBatch {
  const batch: ColumnBatch = {};
  for (const name of columns) {
    const values = new Array<CellValue>(rows.length);
    const isBigint = types.get(name) === 'bigint';
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i][name] as CellValue;
      values[i] = isBigint && value !== null ? Number(value) : value;
    }
    batch[name] = values;
  }
  return batch;
}
