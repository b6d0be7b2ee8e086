import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { DuckDBDataChunk } from '@duckdb/node-api';
import duckdb, { type Vector } from '@duckdb/node-bindings';
import { jsonCellText, type CellValue, type ColumnType, type ColumnValues, type Row, type TableSchema, type TableWriter } from '../types.js';

/** Rows per data chunk: DuckDB's standard vector size, the most one chunk holds. */
const CHUNK_ROWS = 2048;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Size of a string slot in a VARCHAR vector (duckdb_string_t), and the longest string stored inside the slot. */
const STRING_BYTES = 16;
const INLINE_STRING_BYTES = 12;

/**
 * A TableWriter that appends to a DuckDB table through the appender's data-chunk path. Each
 * column of up to CHUNK_ROWS rows fills one vector, which reaches DuckDB in one copy of a typed
 * array for numbers and short strings and one call per longer string, with no text format in
 * between. The vectors are
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
 * NULL, and strings take one call each unless they fit in DuckDB's inline string layout.
 */
function fillVector(vector: Vector, type: ColumnType, column: ColumnValues, start: number, end: number, label: string): void {
  if (type === 'VARCHAR' || type === 'JSON') {
    fillStrings(vector, type, column, start, end);
    return;
  }
  const rows = end - start;
  const validity = newValidity(rows);
  let nulls = 0;
  let data: Int32Array | Float64Array | BigInt64Array | Uint8Array;
  if (ArrayBuffer.isView(column.values) && column.labels === undefined) {
    nulls = markNumberNulls(validity, column, start, end);
    data = sameLayoutData(type, column.values, start, end) ?? numberData(type, column.values as ArrayLike<number>, validity, start, end, label);
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

/** Marks the rows of a typed-array column that `nullBelow` or `nanIsNull` make NULL; returns how many. */
function markNumberNulls(validity: Uint8Array, column: ColumnValues, start: number, end: number): number {
  if (column.nullBelow === undefined && column.nanIsNull !== true) return 0;
  const numbers = column.values as ArrayLike<number>;
  const nullBelow = column.nullBelow ?? -Infinity;
  const nanIsNull = column.nanIsNull === true;
  let nulls = 0;
  for (let k = 0; k < end - start; k++) {
    const value = numbers[start + k];
    if (value < nullBelow || (nanIsNull && Number.isNaN(value))) {
      markNull(validity, k);
      nulls += 1;
    }
  }
  return nulls;
}

/**
 * Rows start..end-1 of `values` without a copy when they are already in the vector's layout
 * (Int32Array for INTEGER, Float64Array for DOUBLE), which needs no conversion or range check.
 * The slots of NULL rows keep whatever value they hold, which DuckDB ignores.
 */
function sameLayoutData(type: ColumnType, values: ColumnValues['values'], start: number, end: number): Int32Array | Float64Array | null {
  if (type === 'INTEGER' && values instanceof Int32Array) return values.subarray(start, end);
  if (type === 'DOUBLE' && values instanceof Float64Array) return values.subarray(start, end);
  return null;
}

/** Converts rows start..end-1 of a typed array to the vector's layout, skipping the rows `validity` marks NULL. */
function numberData(type: ColumnType, numbers: ArrayLike<number>, validity: Uint8Array, start: number, end: number, label: string): Int32Array | Float64Array | BigInt64Array | Uint8Array {
  const rows = end - start;
  if (type === 'BIGINT') return bigintData(numbers, validity, start, end, label);
  const data = typedDataOf(type, rows);
  for (let k = 0; k < rows; k++) {
    if (isNullRow(validity, k)) continue;
    setNumber(data, type, k, numbers[start + k], label);
  }
  return data;
}

/**
 * BIGINT values as pairs of 32-bit halves (low word first, the host order of the little-endian
 * binaries), which spares one BigInt per row. Values are checked to lie within ±2^53 first, so
 * both halves are exact.
 */
function bigintData(numbers: ArrayLike<number>, validity: Uint8Array, start: number, end: number, label: string): Int32Array {
  const rows = end - start;
  const words = new Int32Array(rows * 2);
  for (let k = 0; k < rows; k++) {
    if (isNullRow(validity, k)) continue;
    const value = integerOf(numbers[start + k], label, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, '±2^53');
    const high = Math.floor(value / 2 ** 32);
    // An Int32Array store keeps the low 32 bits, which is the two's complement word for both halves.
    words[2 * k] = value - high * 2 ** 32;
    words[2 * k + 1] = high;
  }
  return words;
}

function isNullRow(validity: Uint8Array, k: number): boolean {
  return (validity[k >> 3] & (1 << (k & 7))) === 0;
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

/**
 * Writes a VARCHAR or JSON column, with a validity mask when a cell is NULL. Strings of at most
 * INLINE_STRING_BYTES ASCII characters are laid out in DuckDB's inline form and reach the vector
 * in one copy. A longer or non-ASCII string takes one call.
 */
function fillStrings(vector: Vector, type: 'VARCHAR' | 'JSON', column: ColumnValues, start: number, end: number): void {
  const rows = end - start;
  const validity = newValidity(rows);
  const inline = new Uint8Array(rows * STRING_BYTES);
  const cell = cellOf(column);
  const long: number[] = [];
  const longText: string[] = [];
  let nulls = 0;
  for (let k = 0; k < rows; k++) {
    const value = cell(start + k);
    if (value === null || value === undefined) {
      markNull(validity, k);
      nulls += 1;
      continue;
    }
    const text = type === 'JSON' ? jsonCellText(value) : String(value);
    if (!writeInlineString(inline, k, text)) {
      long.push(k);
      longText.push(text);
    }
  }
  // The copy goes first, because it writes every slot, and a call below then overwrites the slot of its row.
  if (long.length < rows - nulls) duckdb.copy_data_to_vector(vector, 0, inline.buffer, 0, inline.byteLength);
  for (let j = 0; j < long.length; j++) duckdb.vector_assign_string_element(vector, long[j], longText[j]);
  if (nulls > 0) copyValidity(vector, validity);
}

/**
 * Writes `text` into slot k of `data` in the inline layout of DuckDB's string_t: a 32-bit length,
 * then the bytes, zero-padded to 12 (DuckDB compares the padding too). Returns false and writes
 * nothing for a string that is too long or not ASCII, whose UTF-8 length differs from its length.
 */
function writeInlineString(data: Uint8Array, k: number, text: string): boolean {
  const length = text.length;
  if (length > INLINE_STRING_BYTES) return false;
  for (let j = 0; j < length; j++) if (text.charCodeAt(j) > 0x7f) return false;
  const base = k * STRING_BYTES;
  data[base] = length;
  for (let j = 0; j < length; j++) data[base + 4 + j] = text.charCodeAt(j);
  return true;
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
