import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { DuckDBDataChunk } from '@duckdb/node-api';
import duckdb, { type Vector } from '@duckdb/node-bindings';
import { jsonCellText, type CellValue, type ColumnType, type ColumnValues, type Row, type TableSchema, type TableWriter } from '../types.js';

/** Rows per data chunk: DuckDB's standard vector size, the most one chunk holds. */
const CHUNK_ROWS = 2048;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A TableWriter that appends to a DuckDB table through the appender's data-chunk path. Each
 * column of up to CHUNK_ROWS rows fills one vector, which reaches DuckDB in one copy of a typed
 * array for numbers and one call per string, with no text format in between. The vectors are
 * written through @duckdb/node-bindings, because the vector classes of @duckdb/node-api 1.5.6
 * take one call per cell and update NULL bits with BigInt arithmetic. The appender runs in the
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
        fillVector(duckdb.data_chunk_get_vector(chunk.chunk, c), type, columns[c], start, end, `${this.schema.name}.${name}`);
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

/**
 * DuckDB's validity mask: one bit per row, set for a valid row, in 64-bit words. Row k is bit
 * k % 8 of byte k / 8, which is its bit in the words on a little-endian host.
 */
// NOTE: on a big-endian host this byte order would mark the wrong rows NULL. The binaries of
// @duckdb/node-bindings 1.5.6 are all for little-endian platforms (x64 and arm64).
function newValidity(rows: number): Uint8Array {
  return new Uint8Array(Math.ceil(rows / 64) * 8).fill(0xff);
}

/**
 * Writes rows start..end-1 of one column into `vector`, where row 0 of the vector is row `start`.
 * Numbers and booleans go in one copy of a typed array, with a validity mask only when a cell is
 * NULL, and strings take one call each.
 */
function fillVector(vector: Vector, type: ColumnType, column: ColumnValues, start: number, end: number, label: string): void {
  const rows = end - start;
  if (type === 'VARCHAR' || type === 'JSON') {
    fillStrings(vector, type, column, start, end);
    return;
  }
  const validity = newValidity(rows);
  let nulls = 0;
  let data: Int32Array | Float64Array | BigInt64Array | Uint8Array;
  if (ArrayBuffer.isView(column.values) && column.labels === undefined) {
    const numbers = column.values as ArrayLike<number>;
    const nullBelow = column.nullBelow ?? -Infinity;
    const nanIsNull = column.nanIsNull === true;
    data = typedDataOf(type, rows);
    for (let k = 0; k < rows; k++) {
      const value = numbers[start + k];
      if (value < nullBelow || (nanIsNull && Number.isNaN(value))) {
        markNull(validity, k);
        nulls += 1;
        continue;
      }
      setNumber(data, type, k, value, label);
    }
  } else {
    const cell = cellOf(column);
    data = typedDataOf(type, rows);
    for (let k = 0; k < rows; k++) {
      const value = cell(start + k);
      if (value === null || value === undefined) {
        markNull(validity, k);
        nulls += 1;
        continue;
      }
      if (type === 'BOOLEAN') data[k] = value ? 1 : 0;
      else setNumber(data, type, k, value, label);
    }
  }
  duckdb.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  if (nulls > 0) copyValidity(vector, validity);
}

/** Clears the validity bit of row k, marking it NULL. */
function markNull(validity: Uint8Array, k: number): void {
  validity[k >> 3] &= ~(1 << (k & 7));
}

/** Copies a validity mask with some NULL rows into `vector`. */
function copyValidity(vector: Vector, validity: Uint8Array): void {
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, validity.byteOffset, validity.byteLength);
}

/** Values of one vector in DuckDB's layout for `type` (BOOLEAN is one byte per row). */
function typedDataOf(type: ColumnType, rows: number): Int32Array | Float64Array | BigInt64Array | Uint8Array {
  switch (type) {
    case 'INTEGER':
      return new Int32Array(rows);
    case 'DOUBLE':
      return new Float64Array(rows);
    case 'BIGINT':
      return new BigInt64Array(rows);
    default:
      return new Uint8Array(rows);
  }
}

/** Stores a non-null cell in slot k of `data`, converted and range-checked as the column type requires. */
function setNumber(data: Int32Array | Float64Array | BigInt64Array | Uint8Array, type: ColumnType, k: number, value: CellValue, label: string): void {
  switch (type) {
    case 'INTEGER':
      data[k] = integerOf(value, label, INT32_MIN, INT32_MAX, 'the 32-bit range');
      return;
    case 'DOUBLE':
      data[k] = Number(value);
      return;
    case 'BIGINT':
      (data as BigInt64Array)[k] = BigInt(integerOf(value, label, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, '±2^53'));
      return;
    default:
      data[k] = value ? 1 : 0;
  }
}

/** Writes a VARCHAR or JSON column: one call per non-null string, and a validity mask when a cell is NULL. */
function fillStrings(vector: Vector, type: 'VARCHAR' | 'JSON', column: ColumnValues, start: number, end: number): void {
  const rows = end - start;
  const validity = newValidity(rows);
  const cell = cellOf(column);
  let nulls = 0;
  for (let k = 0; k < rows; k++) {
    const value = cell(start + k);
    if (value === null || value === undefined) {
      markNull(validity, k);
      nulls += 1;
      continue;
    }
    duckdb.vector_assign_string_element(vector, k, type === 'JSON' ? jsonCellText(value) : String(value));
  }
  if (nulls > 0) copyValidity(vector, validity);
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

function integerOf(value: CellValue, label: string, min: number, max: number, range: string): number {
  const number = Math.trunc(Number(value));
  if (!(number >= min && number <= max)) throw new Error(`value ${String(value)} of ${label} is not an integer within ${range}`);
  return number;
}
