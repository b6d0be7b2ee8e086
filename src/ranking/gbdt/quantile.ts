/**
 * Histogram cut points per feature, as XGBoost's `hist` method builds them. Feature f has
 * `cutPtr[f+1] - cutPtr[f]` bins, and bin b contains the values in [cut[b-1], cut[b]) where
 * cut[-1] is `minValues[f]`. The last cut is max + (|max| + 1e-5), so every training value falls in a bin.
 * A split after bin b has threshold cut[b]: values < cut[b] go left.
 */
export interface HistogramCuts {
  readonly cutPtr: Int32Array;
  readonly cutValues: Float32Array;
  /** min − (|min| + 1e-5) per feature: the threshold that sends every non-missing value right. */
  readonly minValues: Float32Array;
}

/**
 * Computes cut points for a row-major matrix (shape [rows, columns], NaN = missing). A feature with
 * at most `maxBin` distinct values gets one bin per value; otherwise the cuts are `maxBin - 1`
 * values at evenly spaced ranks of the sorted column. That is an exact, unweighted quantile
 * summary where XGBoost uses an approximate sketch, so bins of such features may differ slightly
 * from XGBoost's.
 */
export function computeCuts(matrix: Float32Array, rows: number, columns: number, maxBin: number): HistogramCuts {
  const perFeature: Float32Array[] = [];
  const minValues = new Float32Array(columns);
  const column = new Float32Array(rows);
  for (let f = 0; f < columns; f++) {
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = matrix[r * columns + f];
      if (v === v) column[n++] = v;
    }
    const few = fewDistinct(column, n, Math.min(32, maxBin));
    const sorted = few ?? column.subarray(0, n).sort();
    perFeature.push(cutsOfSorted(sorted, maxBin));
    minValues[f] = n === 0 ? 0 : Math.fround(sorted[0] - (Math.abs(sorted[0]) + 1e-5));
  }

  const cutPtr = new Int32Array(columns + 1);
  for (let f = 0; f < columns; f++) cutPtr[f + 1] = cutPtr[f] + perFeature[f].length;
  const cutValues = new Float32Array(cutPtr[columns]);
  perFeature.forEach((cuts, f) => cutValues.set(cuts, cutPtr[f]));
  return { cutPtr, cutValues, minValues };
}

/** Distinct values of the first n entries, sorted, when there are at most `limit` of them; else null (sort the column). */
function fewDistinct(column: Float32Array, n: number, limit: number): Float32Array | null {
  const seen = new Float32Array(limit);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i];
    let k = 0;
    while (k < count && seen[k] !== v) k++;
    if (k < count) continue;
    if (count === limit) return null;
    seen[count++] = v;
  }
  return seen.subarray(0, count).sort();
}

function cutsOfSorted(sorted: Float32Array, maxBin: number): Float32Array {
  const n = sorted.length;
  if (n === 0) return new Float32Array(0);
  const summary: number[] = [];
  let distinct = 1;
  for (let i = 1; i < n && distinct <= maxBin; i++) if (sorted[i] !== sorted[i - 1]) distinct++;

  if (distinct <= maxBin) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) summary.push(sorted[i]);
  } else {
    for (let k = 1; k < maxBin; k++) {
      const value = sorted[Math.floor((k * n) / maxBin)];
      if (value > sorted[0] && (summary.length === 0 || value > summary[summary.length - 1])) summary.push(value);
    }
  }
  const max = sorted[n - 1];
  summary.push(Math.fround(max + (Math.abs(max) + 1e-5)));
  return Float32Array.from(summary);
}

/** Bin of a value within feature f's cuts: the first cut greater than the value. */
export function binOf(cuts: HistogramCuts, f: number, value: number): number {
  let lo = cuts.cutPtr[f];
  let hi = cuts.cutPtr[f + 1] - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts.cutValues[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return lo - cuts.cutPtr[f];
}
