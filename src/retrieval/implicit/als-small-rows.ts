import type { CsrMatrix } from './csr.js';
import { choleskySolveInPlace } from './cholesky.js';

/**
 * Exact ALS row solve for rows with few entries, by the Woodbury identity. For a row with n
 * entries (confidences c, D = diag(c - 1), V = their n rows of Y) and G = Y^T Y + reg I:
 *   x = (G + V^T D V)^-1 V^T c = Z^T (c - (I + D K)^-1 D K c),  Z = V G^-1,  K = V G^-1 V^T.
 * With z_i = G^-1 y_i cached per Y row, a row costs O(n^2 f + n^3) instead of the four f x f
 * products of three conjugate-gradient steps, which dominate on sparse data where most users
 * have one or two interactions. The result is the exact minimizer the CG steps approach.
 */
export interface SmallRowSolver {
  /** Cholesky factor of G (lower triangle, row-major [f, f]). */
  readonly gramFactor: Float64Array;
  /** Rows with at most this many entries are solved exactly. */
  readonly limit: number;
  /** z_i = G^-1 y_i per Y row, filled on first use, shape [rows of Y, f]. */
  readonly z: Float64Array;
  readonly cached: Uint8Array;
  /** Scratch: K and the system matrix ([limit, limit]) and three vectors of length limit. */
  readonly k: Float64Array;
  readonly system: Float64Array;
  readonly kc: Float64Array;
  readonly w: Float64Array;
  readonly pivot: Int32Array;
}

export function createSmallRowSolver(gramFactor: Float64Array, limit: number, yRows: number, f: number): SmallRowSolver {
  return {
    gramFactor,
    limit,
    z: new Float64Array(yRows * f),
    cached: new Uint8Array(yRows),
    k: new Float64Array(limit * limit),
    system: new Float64Array(limit * limit),
    kc: new Float64Array(limit),
    w: new Float64Array(limit),
    pivot: new Int32Array(limit),
  };
}

/**
 * Writes the exact solution of row u into `out` (length f). Returns false, leaving the row to
 * the CG path, when the row is longer than the limit or the small system is singular (possible
 * only with confidences below 1).
 */
export function solveSmallRow(m: CsrMatrix, u: number, y: Float32Array, f: number, solver: SmallRowSolver, out: Float64Array): boolean {
  const start = m.indptr[u];
  const n = m.indptr[u + 1] - start;
  if (n > solver.limit) return false;
  const { z, k, system, kc, w } = solver;

  for (let a = 0; a < n; a++) zRow(m.indices[start + a], y, f, solver);
  // K[a][b] = y_a . z_b, then kc = K c and system = I + D K.
  for (let a = 0; a < n; a++) {
    const ya = m.indices[start + a] * f;
    for (let b = 0; b < n; b++) {
      const zb = m.indices[start + b] * f;
      let dot = 0;
      for (let q = 0; q < f; q++) dot += y[ya + q] * z[zb + q];
      k[a * n + b] = dot;
    }
  }
  for (let a = 0; a < n; a++) {
    let sum = 0;
    for (let b = 0; b < n; b++) sum += k[a * n + b] * m.data[start + b];
    const d = m.data[start + a] - 1;
    kc[a] = d * sum;
    for (let b = 0; b < n; b++) system[a * n + b] = (a === b ? 1 : 0) + d * k[a * n + b];
  }
  if (!solveGeneral(system, kc, n, w, solver.pivot)) return false;

  out.fill(0, 0, f);
  for (let a = 0; a < n; a++) {
    const coefficient = m.data[start + a] - w[a];
    const za = m.indices[start + a] * f;
    for (let q = 0; q < f; q++) out[q] += coefficient * z[za + q];
  }
  return true;
}

function zRow(i: number, y: Float32Array, f: number, solver: SmallRowSolver): void {
  if (solver.cached[i] === 1) return;
  const row = solver.z.subarray(i * f, (i + 1) * f);
  for (let q = 0; q < f; q++) row[q] = y[i * f + q];
  choleskySolveInPlace(solver.gramFactor, row, f);
  solver.cached[i] = 1;
}

/** Gaussian elimination with partial pivoting on a small [n, n] system; false when singular. */
function solveGeneral(a: Float64Array, b: Float64Array, n: number, x: Float64Array, pivot: Int32Array): boolean {
  for (let r = 0; r < n; r++) pivot[r] = r;
  for (let col = 0; col < n; col++) {
    let best = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[pivot[r] * n + col]) > Math.abs(a[pivot[best] * n + col])) best = r;
    const swap = pivot[col];
    pivot[col] = pivot[best];
    pivot[best] = swap;
    const p = pivot[col];
    const diagonal = a[p * n + col];
    if (!(Math.abs(diagonal) > 1e-12)) return false;
    for (let r = col + 1; r < n; r++) {
      const q = pivot[r];
      const factor = a[q * n + col] / diagonal;
      if (factor === 0) continue;
      for (let c = col; c < n; c++) a[q * n + c] -= factor * a[p * n + c];
      b[q] -= factor * b[p];
    }
  }
  for (let col = n - 1; col >= 0; col--) {
    const p = pivot[col];
    let sum = b[p];
    for (let c = col + 1; c < n; c++) sum -= a[p * n + c] * x[c];
    x[col] = sum / a[p * n + col];
  }
  return true;
}
