import type { CsrMatrix } from './csr.js';
import { solveSmallRow, type SmallRowSolver } from './als-small-rows.js';
import { copyRowsIn, copyRowsOut, gramOfXRows, type AlsWasmRows } from './als-wasm.js';

/**
 * alsCgRows in WebAssembly (see als-wasm.ts): the same conjugate-gradient steps in float32, the
 * same exact path for short rows. G and Y are loaded once per half-step and thread
 * (`generation`); the rows of X and their entries are copied in, updated and copied back. With
 * `gramOut`, the Gram matrix of the updated rows goes to gramOut[gramOffset .. + f^2) (see
 * gramRowsWasm).
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
  gramOut: Float64Array | null = null,
  gramOffset = 0,
): void {
  const rows = rowEnd - rowStart;
  const first = m.indptr[rowStart];
  const entries = m.indptr[rowEnd] - first;
  engine.layout(f, y.length / f, rows, entries);
  engine.loadY(y, f, generation);
  engine.loadGram(gram, f, generation);

  const stride = engine.stride;
  const rowBytes = stride * 4;
  const xs = engine.f32(engine.xPtr, rows * stride);
  copyRowsIn(x, rowStart, rowEnd, f, xs, stride);
  engine.i32(engine.idxPtr, entries).set(m.indices.subarray(first, first + entries));
  engine.f32(engine.confPtr, entries).set(m.data.subarray(first, first + entries));

  const exact = small === null ? null : new Float64Array(f);
  for (let u = rowStart; u < rowEnd; u++) {
    const local = u - rowStart;
    const start = m.indptr[u];
    const n = m.indptr[u + 1] - start;
    if (n === 0) {
      xs.fill(0, local * stride, local * stride + f);
      continue;
    }
    if (small !== null && exact !== null && n <= small.limit && solveSmallRow(m, u, y, f, small, exact)) {
      for (let a = 0; a < f; a++) xs[local * stride + a] = exact[a];
      continue;
    }
    const offset = (start - first) * 4;
    engine.cgRow(engine.gramPtr, engine.yPtr, engine.xPtr + local * rowBytes, engine.idxPtr + offset, engine.confPtr + offset, n, rowBytes, cgSteps, engine.rPtr, engine.pPtr, engine.apPtr);
  }
  copyRowsOut(xs, stride, x, rowStart, rowEnd, f);
  if (gramOut !== null) gramOfXRows(engine, rows, f, gramOut, gramOffset);
}
