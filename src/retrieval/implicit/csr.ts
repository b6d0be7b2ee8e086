import { TwostageError } from '../../errors.js';

/**
 * A sparse matrix in compressed sparse row form. Row r contains the columns
 * `indices[indptr[r] .. indptr[r + 1])` in ascending order, with values `data` at the same
 * positions. Duplicate (row, column) entries are summed when the matrix is built.
 */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row offsets, shape [rows + 1]. */
  readonly indptr: Int32Array;
  /** Column per stored entry, shape [nnz], ascending within a row. */
  readonly indices: Int32Array;
  /** Value per stored entry, shape [nnz]. */
  readonly data: Float32Array;
}

/** Options for where the arrays live: `shared` puts them on SharedArrayBuffers for worker threads. */
export interface CsrAllocation {
  shared?: boolean;
}

/**
 * Builds a CSR matrix from coordinate triplets (row[j], col[j], value[j]); duplicates are summed.
 * Throws when an index is outside [0, rows) or [0, cols) or a value is not finite.
 */
export function buildCsr(
  rowIndex: Int32Array,
  colIndex: Int32Array,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  allocation: CsrAllocation = {},
): CsrMatrix {
  const n = rowIndex.length;
  if (colIndex.length !== n || values.length !== n) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `row, column and value arrays differ in length (${n}, ${colIndex.length}, ${values.length})`);
  }

  // Count entries per row, then place each entry with a counting sort by row.
  const counts = new Int32Array(rows + 1);
  for (let j = 0; j < n; j++) {
    const r = rowIndex[j];
    const c = colIndex[j];
    if (!(r >= 0 && r < rows) || !(c >= 0 && c < cols)) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `entry ${j} at (${r}, ${c}) is outside the ${rows} x ${cols} matrix`);
    }
    if (!Number.isFinite(values[j])) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `entry ${j} at (${r}, ${c}) has the non-finite value ${values[j]}`);
    }
    counts[r + 1]++;
  }
  for (let r = 0; r < rows; r++) counts[r + 1] += counts[r];
  const next = counts.slice(0, rows);
  const cols0 = new Int32Array(n);
  const vals0 = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const at = next[rowIndex[j]]++;
    cols0[at] = colIndex[j];
    vals0[at] = values[j];
  }

  // Sort each row by column and sum duplicates, so the result may be shorter than n. A row is
  // sorted by the float64 key col * n + position (ties keep input order), which is exact while
  // cols * n < 2^53. Rows already in ascending column order are taken as they are.
  const indptr = allocInt32(rows + 1, allocation);
  let nnz = 0;
  const keys = new Float64Array(n);
  const tmpCols = new Int32Array(n);
  const tmpVals = new Float64Array(n);
  const packable = cols * n < 2 ** 53;
  const order: number[] = [];
  for (let r = 0; r < rows; r++) {
    indptr[r] = nnz;
    const start = counts[r];
    const end = counts[r + 1];
    let ascending = true;
    for (let k = start + 1; k < end && ascending; k++) ascending = cols0[k - 1] < cols0[k];
    if (ascending) {
      for (let k = start; k < end; k++) {
        tmpCols[nnz] = cols0[k];
        tmpVals[nnz] = vals0[k];
        nnz++;
      }
      continue;
    }
    let sorted: ArrayLike<number>;
    if (packable) {
      const rowKeys = keys.subarray(start, end);
      for (let k = start; k < end; k++) rowKeys[k - start] = cols0[k] * n + k;
      rowKeys.sort();
      for (let k = start; k < end; k++) rowKeys[k - start] %= n;
      sorted = rowKeys;
    } else {
      order.length = 0;
      for (let k = start; k < end; k++) order.push(k);
      order.sort((a, b) => cols0[a] - cols0[b] || a - b);
      sorted = order;
    }
    for (let q = 0; q < sorted.length; q++) {
      const k = sorted[q];
      if (nnz > indptr[r] && tmpCols[nnz - 1] === cols0[k]) {
        tmpVals[nnz - 1] += vals0[k];
      } else {
        tmpCols[nnz] = cols0[k];
        tmpVals[nnz] = vals0[k];
        nnz++;
      }
    }
  }
  indptr[rows] = nnz;

  const indices = allocInt32(nnz, allocation);
  const data = allocFloat32(nnz, allocation);
  indices.set(tmpCols.subarray(0, nnz));
  for (let k = 0; k < nnz; k++) data[k] = tmpVals[k];
  return { rows, cols, indptr, indices, data };
}

/** Returns the transpose (columns become rows), keeping ascending column order within each row. */
export function transposeCsr(m: CsrMatrix, allocation: CsrAllocation = {}): CsrMatrix {
  const nnz = m.indptr[m.rows];
  const indptr = allocInt32(m.cols + 1, allocation);
  for (let k = 0; k < nnz; k++) indptr[m.indices[k] + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, m.cols);
  const indices = allocInt32(nnz, allocation);
  const data = allocFloat32(nnz, allocation);
  // Visiting rows in ascending order keeps each transposed row sorted.
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const at = next[m.indices[k]]++;
      indices[at] = r;
      data[at] = m.data[k];
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

/** Stored entries per column, shape [cols]: for a matrix of (user, item) pairs, the distinct users of each item. */
export function columnCounts(m: CsrMatrix): Float32Array {
  const counts = new Float32Array(m.cols);
  const nnz = m.indptr[m.rows];
  for (let k = 0; k < nnz; k++) counts[m.indices[k]]++;
  return counts;
}

/** Number of stored entries. */
export function csrNnz(m: CsrMatrix): number {
  return m.indptr[m.rows];
}

/** True when row `row` stores column `col` (binary search, rows are sorted). */
export function csrHas(m: CsrMatrix, row: number, col: number): boolean {
  let lo = m.indptr[row];
  let hi = m.indptr[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = m.indices[mid];
    if (v === col) return true;
    if (v < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export function allocFloat32(length: number, allocation: CsrAllocation = {}): Float32Array {
  return allocation.shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

export function allocInt32(length: number, allocation: CsrAllocation = {}): Int32Array {
  return allocation.shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
}
