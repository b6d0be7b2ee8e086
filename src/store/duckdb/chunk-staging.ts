import type { DuckDBAppender, DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { DuckDBDataChunk } from '@duckdb/node-api';
import type { CellValue, ColumnType, ColumnValues, Row, TableSchema, TableWriter } from '../types.js';

/** Rows per data chunk: DuckDB's standard vector size, the most one chunk holds. */
const CHUNK_ROWS = 2048;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A TableWriter that appends to a DuckDB table through the appender's data-chunk path. Each
 * column of up to CHUNK_ROWS rows fills one vector, which reaches DuckDB in one copy for numbers
 * and one call per string, with no text format in between. The appender runs in the
 * connection's transaction, so the caller's ROLLBACK removes every row appended.
 */
export class ChunkStagingWriter implements TableWriter {
  private readonly schema: TableSchema;
  private appender: DuckDBAppender | null;

  private constructor(schema: TableSchema, appender: DuckDBAppender) {
    this.schema = schema;
    this.appender = appender;
  }

  /** Opens an appender on `table`, which must exist with the schema's columns in order. */
  static async open(connection: DuckDBConnection, table: string, schema: TableSchema): Promise<ChunkStagingWriter> {
    return new ChunkStagingWriter(schema, await connection.createAppender(table));
  }

  async append(rows: readonly Row[]): Promise<void> {
    const width = this.schema.columns.length;
    for (const row of rows) {
      if (row.length !== width) throw new Error(`row for table ${this.schema.name} has ${row.length} values, expected ${width}`);
    }
    const columns: ColumnValues[] = this.schema.columns.map((_, c) => ({ values: rows.map((row) => row[c]) }));
    await this.appendColumns(columns, rows.length);
  }

  async appendColumns(columns: readonly ColumnValues[], rowCount: number): Promise<void> {
    const appender = this.openAppender();
    const width = this.schema.columns.length;
    if (columns.length !== width) throw new Error(`columns for table ${this.schema.name} are ${columns.length}, expected ${width}`);
    const types = this.schema.columns.map((_, c) => appender.columnType(c));
    for (let start = 0; start < rowCount; start += CHUNK_ROWS) {
      const end = Math.min(rowCount, start + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create(types, end - start);
      for (let c = 0; c < width; c++) {
        const { name, type } = this.schema.columns[c];
        const vector = chunk.getColumnVector(c);
        fillVector(vector, type, columns[c], start, end, `${this.schema.name}.${name}`);
        vector.flush();
      }
      appender.appendDataChunk(chunk);
    }
  }

  /** Flushes the appended rows into the table and closes the appender. A second call does nothing. */
  close(): void {
    const appender = this.appender;
    this.appender = null;
    appender?.closeSync();
  }

  private openAppender(): DuckDBAppender {
    if (this.appender === null) throw new Error(`the writer of table ${this.schema.name} is closed`);
    return this.appender;
  }
}

/** Writes rows start..end-1 of one column into `vector` (row 0 of the vector is row `start`). */
function fillVector(vector: DuckDBVector, type: ColumnType, column: ColumnValues, start: number, end: number, label: string): void {
  const cell = cellOf(column);
  const convert = converterOf(type, label);
  for (let row = start; row < end; row++) {
    const value = cell(row);
    vector.setItem(row - start, value === null || value === undefined ? null : (convert(value) as never));
  }
}

/** Reads a cell of a column, applying `labels`, `nullBelow` and `nanIsNull` to a typed array. */
function cellOf(column: ColumnValues): (row: number) => CellValue | undefined {
  const { values, labels } = column;
  if (!ArrayBuffer.isView(values)) {
    const cells = values as readonly CellValue[];
    return (row) => cells[row];
  }
  const numbers = values as ArrayLike<number>;
  const nullBelow = column.nullBelow ?? -Infinity;
  const nanIsNull = column.nanIsNull === true;
  return (row) => {
    const value = numbers[row];
    if (value < nullBelow || (nanIsNull && Number.isNaN(value))) return null;
    return labels === undefined ? value : labels[value];
  };
}

/** Converts a non-null cell to the JavaScript value the DuckDB vector of `type` stores. */
function converterOf(type: ColumnType, label: string): (value: CellValue) => string | number | bigint | boolean {
  switch (type) {
    case 'VARCHAR':
      return (value) => String(value);
    case 'JSON':
      return (value) => JSON.stringify(value);
    case 'BOOLEAN':
      return (value) => Boolean(value);
    case 'DOUBLE':
      return (value) => Number(value);
    case 'BIGINT':
      return (value) => BigInt(integerOf(value, label, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, '±2^53'));
    case 'INTEGER':
      return (value) => integerOf(value, label, INT32_MIN, INT32_MAX, 'the 32-bit range');
  }
}

function integerOf(value: CellValue, label: string, min: number, max: number, range: string): number {
  const number = Math.trunc(Number(value));
  if (!(number >= min && number <= max)) throw new Error(`value ${String(value)} of ${label} is not an integer within ${range}`);
  return number;
}
