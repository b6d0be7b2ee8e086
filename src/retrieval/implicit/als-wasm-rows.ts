import type { CsrMatrix } from './csr.js';
import { solveSmallRow, type SmallRowSolver } from './als-small-rows.js';
import { AlsWasmRows } from './als-wasm.js';

/**
 * alsCgRows with its two hot loops in WebAssembly (see als-wasm.ts): the same conjugate-gradient
 * steps, the same exact path for short rows, on float64 copies of G and Y that are loaded once
 * per half-step and thread (`generation`).
 */
export function alsCgRowsWasm(
  m: CsrMatrix,
  x: Float32Array,
  y: Float32Array,
  gram: Float64Array,
  f: number,
  cgSteps: number,
  rowStart: number,
  rowEnd: number,
  engine: AlsWasmRows,
  generation: number,
  small: SmallRowSolver | null,
): void {
  let maxEntries = 1;
  for (let u = rowStart; u < rowEnd; u++) maxEntries = Math.max(maxEntries, m.indptr[u + 1] - m.indptr[u]);
  const yRows = y.length / f;
  engine.layout(f, maxEntries, yRows);
  const stride = engine.stride;
  const rowBytes = stride * 8;
  if (engine.loadedGeneration !== generation) {
    const g = engine.f64(engine.gramPtr, f * stride);
    const yw = engine.f64(engine.yPtr, yRows * stride);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) g[a * stride + b] = gram[a * f + b];
    for (let i = 0; i < yRows; i++) for (let a = 0; a < f; a++) yw[i * stride + a] = y[i * f + a];
    engine.loadedGeneration = generation;
  }

  const xs = engine.f64(engine.xPtr, stride);
  const r = engine.f64(engine.rPtr, stride);
  const p = engine.f64(engine.pPtr, stride);
  const ap = engine.f64(engine.apPtr, stride);
  const conf = engine.f64(engine.confPtr, maxEntries);
  const idx = engine.i32(engine.idxPtr, maxEntries);

  for (let u = rowStart; u < rowEnd; u++) {
    const xBase = u * f;
    const start = m.indptr[u];
    const end = m.indptr[u + 1];
    const n = end - start;
    if (n === 0) {
      x.fill(0, xBase, xBase + f);
      continue;
    }
    if (small !== null && n <= small.limit && solveSmallRow(m, u, y, f, small, xs)) {
      for (let a = 0; a < f; a++) x[xBase + a] = xs[a];
      continue;
    }
    for (let k = 0; k < n; k++) {
      idx[k] = m.indices[start + k];
      conf[k] = m.data[start + k];
    }
    for (let a = 0; a < f; a++) xs[a] = x[xBase + a];

    // r = b - A x = -G x + sum (c - (c - 1) y.x) y.
    engine.symv(engine.gramPtr, engine.xPtr, engine.rPtr, f, rowBytes, -1);
    engine.rowApply(engine.yPtr, engine.idxPtr, engine.confPtr, n, rowBytes, engine.xPtr, engine.rPtr, 1, -1);
    let rsOld = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a];
      rsOld += r[a] * r[a];
    }
    if (rsOld < 1e-20) continue;

    for (let step = 0; step < cgSteps; step++) {
      engine.symv(engine.gramPtr, engine.pPtr, engine.apPtr, f, rowBytes, 1);
      engine.rowApply(engine.yPtr, engine.idxPtr, engine.confPtr, n, rowBytes, engine.pPtr, engine.apPtr, 0, 1);
      let pAp = 0;
      for (let a = 0; a < f; a++) pAp += p[a] * ap[a];
      const stepSize = rsOld / pAp;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        xs[a] += stepSize * p[a];
        r[a] -= stepSize * ap[a];
        rsNew += r[a] * r[a];
      }
      if (rsNew < 1e-20) break;
      const beta = rsNew / rsOld;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsOld = rsNew;
    }
    for (let a = 0; a < f; a++) x[xBase + a] = xs[a];
  }
}
