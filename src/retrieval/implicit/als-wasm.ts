import { F32, FunctionBody, I32, OP, SIMD, V128, encodeModule, ensureMemory, wasm, type ValueType, type WasmMemory } from '../wasm/encoder.js';

/**
 * The ALS conjugate-gradient row update (alsCgRows) and the Y^T Y Gram matrix in WebAssembly with
 * f32x4 SIMD, in float32 as the `implicit` library (0.7) computes them:
 *
 * - `cgRow` runs every CG step of one row: the residual r = b - A x, then `steps` updates, with A
 *   applied as G v + Σ (c - 1)(y_i · v) y_i, so A itself is never formed;
 * - `gramRows` adds the upper triangle of Y^T Y over a block of rows.
 *
 * Every vector is padded with zeros to `stride` values (f rounded up to a multiple of 16), so the
 * loops run in whole steps of four f32x4 vectors. A dot product keeps four vector accumulators
 * (two per vector when two dot products share a loop, see accumulator), adds them pairwise and
 * then its four lanes pairwise.
 * The order of every sum depends only on f, so a row gets the same result on every thread.
 */

/** Values per padded vector for f factors. */
export function paddedStride(f: number): number {
  return Math.ceil(f / 16) * 16;
}

const F32_ALIGN = 2;
const I32_ALIGN = 2;
const STEP_BYTES = 64;

/** Locals of a function under construction: the parameters first, then each added local. */
class Locals {
  readonly extra: ValueType[] = [];

  constructor(readonly params: readonly ValueType[]) {}

  add(type: ValueType): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }
}

/** Emits `for (counter = 0; counter < limit; counter += step) body()` over i32 locals. */
function emitFor(b: FunctionBody, counter: number, limit: number, step: number, body: () => void): void {
  b.i32(0).set(counter);
  b.block().loop();
  b.get(counter).get(limit).op(OP.i32GeS).brIf(1);
  body();
  b.get(counter).i32(step).op(OP.i32Add).set(counter);
  b.br(0);
  b.end().end();
}

/** Pushes the sum of the address local `base` and the byte offset local `offset`. */
function emitAddress(b: FunctionBody, base: number, offset: number): void {
  b.get(base).get(offset).op(OP.i32Add);
}

/** Scratch locals shared by the vector emitters of one function. */
interface VectorLocals {
  /** Bytes per padded vector (a multiple of 64). */
  readonly bytes: number;
  /** Addresses that walk the vectors of a loop, 64 bytes per pass. */
  readonly cursors: readonly number[];
  /** End address of the first cursor's vector. */
  readonly end: number;
  /** Dot-product accumulators (see accumulator). */
  readonly acc: readonly [number, number, number, number];
  /** The values loaded from the shared vector in emitDots. */
  readonly shared: number;
  readonly scalar: readonly [number, number];
  readonly coef: readonly [number, number];
}

function vectorLocals(locals: Locals, bytes: number): VectorLocals {
  const four = (): [number, number, number, number] => [locals.add(V128), locals.add(V128), locals.add(V128), locals.add(V128)];
  return {
    bytes,
    cursors: [locals.add(I32), locals.add(I32), locals.add(I32), locals.add(I32), locals.add(I32)],
    end: locals.add(I32),
    acc: four(),
    shared: locals.add(V128),
    scalar: [locals.add(F32), locals.add(F32)],
    coef: [locals.add(V128), locals.add(V128)],
  };
}

/**
 * Accumulator of vector j (of `count`) for 16-byte slot `slot`: a single vector has four, one per
 * slot; of two vectors each has two, one for even and one for odd slots. Four accumulators stay
 * in registers with the loaded values; eight made V8 spill them to the stack.
 */
function accumulator(v: VectorLocals, j: number, slot: number, count: number): number {
  return count === 1 ? v.acc[slot] : v.acc[j * 2 + (slot & 1)];
}

/**
 * Emits a loop over padded vectors 64 bytes per pass, with one cursor per address local in
 * `starts` (in that order). `body(slot)` emits the work of the 16-byte slot `slot` (0-3) of a
 * pass, addressing memory as cursor + slot * 16. Vectors are never empty, so the loop tests
 * its condition at the end.
 */
function emitPasses(b: FunctionBody, v: VectorLocals, starts: readonly number[], body: (slot: number) => void): void {
  starts.forEach((start, j) => b.get(start).set(v.cursors[j]));
  b.get(v.cursors[0]).get(v.bytes).op(OP.i32Add).set(v.end);
  b.loop();
  for (let slot = 0; slot < 4; slot++) body(slot);
  starts.forEach((_, j) => b.get(v.cursors[j]).i32(STEP_BYTES).op(OP.i32Add).set(v.cursors[j]));
  b.get(v.cursors[0]).get(v.end).op(OP.i32LtU).brIf(0);
  b.end();
}

/** Emits a v128 load from cursor j at slot `slot`. */
function emitLoad(b: FunctionBody, v: VectorLocals, j: number, slot: number): void {
  b.get(v.cursors[j]).simdMemory(SIMD.v128Load, F32_ALIGN, slot * 16);
}

/**
 * Emits v.scalar[j] = Σ rows[j][k] x[k] for one or two padded vectors at the addresses in locals
 * `rows` against the one at `x`, loading x once for both.
 */
function emitDots(b: FunctionBody, v: VectorLocals, rows: readonly number[], x: number): void {
  const count = rows.length;
  for (const acc of v.acc) b.zeroVector().set(acc);
  emitPasses(b, v, [x, ...rows], (slot) => {
    emitLoad(b, v, 0, slot);
    b.set(v.shared);
    rows.forEach((_, j) => {
      const acc = accumulator(v, j, slot, count);
      b.get(acc);
      emitLoad(b, v, j + 1, slot);
      b.get(v.shared).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc);
    });
  });
  rows.forEach((_, j) => {
    const total = accumulator(v, j, 0, count);
    if (count === 1) {
      const [a0, a1, a2, a3] = v.acc;
      b.get(a0).get(a1).simd(SIMD.f32x4Add);
      b.get(a2).get(a3).simd(SIMD.f32x4Add);
      b.simd(SIMD.f32x4Add).set(total);
    } else {
      b.get(total).get(accumulator(v, j, 1, count)).simd(SIMD.f32x4Add).set(total);
    }
    b.get(total).simd(SIMD.f32x4ExtractLane, 0).get(total).simd(SIMD.f32x4ExtractLane, 1).op(OP.f32Add);
    b.get(total).simd(SIMD.f32x4ExtractLane, 2).get(total).simd(SIMD.f32x4ExtractLane, 3).op(OP.f32Add);
    b.op(OP.f32Add).set(v.scalar[j]);
  });
}

/** Emits v.scalar[0] = Σ a[k] c[k]. */
function emitDot(b: FunctionBody, v: VectorLocals, a: number, c: number): void {
  emitDots(b, v, [a], c);
}

/**
 * Emits out[k] = out[k] ± Σ_j coef_j · rows[j][k] for one or two vectors, with the splatted
 * v.coef[j]; two products are added together before they meet out[k].
 */
function emitAxpys(b: FunctionBody, v: VectorLocals, out: number, rows: readonly number[], minus: boolean): void {
  emitPasses(b, v, [out, ...rows], (slot) => {
    b.get(v.cursors[0]);
    emitLoad(b, v, 0, slot);
    rows.forEach((_, j) => {
      b.get(v.coef[j]);
      emitLoad(b, v, j + 1, slot);
      b.simd(SIMD.f32x4Mul);
      if (j > 0) b.simd(SIMD.f32x4Add);
    });
    b.simd(minus ? SIMD.f32x4Sub : SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN, slot * 16);
  });
}

/** Emits out[k] = out[k] ± coef · x[k] with the splatted v.coef[0]. */
function emitAxpy(b: FunctionBody, v: VectorLocals, out: number, x: number, minus: boolean): void {
  emitAxpys(b, v, out, [x], minus);
}

/** Emits out[k] = x[k] + coef · out[k] (the CG direction update p = r + beta p). */
function emitXpay(b: FunctionBody, v: VectorLocals, out: number, x: number): void {
  emitPasses(b, v, [out, x], (slot) => {
    b.get(v.cursors[0]);
    emitLoad(b, v, 1, slot);
    b.get(v.coef[0]);
    emitLoad(b, v, 0, slot);
    b.simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN, slot * 16);
  });
}

/** Emits out[k] = x[k] (`x` null: zero). */
function emitCopy(b: FunctionBody, v: VectorLocals, out: number, x: number | null): void {
  emitPasses(b, v, x === null ? [out] : [out, x], (slot) => {
    b.get(v.cursors[0]);
    if (x === null) b.zeroVector();
    else emitLoad(b, v, 1, slot);
    b.simdMemory(SIMD.v128Store, F32_ALIGN, slot * 16);
  });
}

interface SymvLocals {
  /** Byte offset into x of the current group of four values. */
  readonly row: number;
  /** Addresses of the four rows of G in the current group. */
  readonly gRows: readonly number[];
  readonly splats: readonly number[];
}

/**
 * Emits out = ± G x for the symmetric, padded [stride, stride] G, four rows of G at a time:
 * out += (x_a G_a + x_a+1 G_a+1) + (x_a+2 G_a+2 + x_a+3 G_a+3), so no dot product needs a
 * horizontal sum. `out` starts at zero.
 */
function emitSymv(b: FunctionBody, v: VectorLocals, locals: SymvLocals, g: number, x: number, out: number, minus: boolean): void {
  emitCopy(b, v, out, null);
  b.get(g).set(locals.gRows[0]);
  emitFor(b, locals.row, v.bytes, 16, () => {
    locals.splats.forEach((splat, j) => {
      b.get(x).get(locals.row).op(OP.i32Add).memory(OP.f32Load, F32_ALIGN, j * 4).simd(SIMD.f32x4Splat).set(splat);
    });
    for (let j = 1; j < 4; j++) b.get(locals.gRows[j - 1]).get(v.bytes).op(OP.i32Add).set(locals.gRows[j]);
    emitPasses(b, v, [out, ...locals.gRows], (slot) => {
      b.get(v.cursors[0]);
      emitLoad(b, v, 0, slot);
      for (let pair = 0; pair < 2; pair++) {
        for (let j = 2 * pair; j < 2 * pair + 2; j++) {
          b.get(locals.splats[j]);
          emitLoad(b, v, j + 1, slot);
          b.simd(SIMD.f32x4Mul);
        }
        b.simd(SIMD.f32x4Add);
      }
      b.simd(SIMD.f32x4Add);
      b.simd(minus ? SIMD.f32x4Sub : SIMD.f32x4Add);
      b.simdMemory(SIMD.v128Store, F32_ALIGN, slot * 16);
    });
    b.get(locals.gRows[3]).get(v.bytes).op(OP.i32Add).set(locals.gRows[0]);
  });
}

// cgRow parameters, by local index.
const CG_PARAMS: ValueType[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];
const [G_PTR, Y_PTR, X_PTR, IDX_PTR, CONF_PTR, COUNT, ROW_BYTES, STEPS, R_PTR, P_PTR, AP_PTR] = CG_PARAMS.map((_, k) => k);

/** Threshold on r·r below which a row counts as solved (the value `implicit` uses). */
const RESIDUAL_EPSILON = 1e-20;

function buildCgRow(): { locals: ValueType[]; body: FunctionBody } {
  const locals = new Locals(CG_PARAMS);
  const v = vectorLocals(locals, ROW_BYTES);
  const symv: SymvLocals = {
    row: locals.add(I32),
    gRows: [locals.add(I32), locals.add(I32), locals.add(I32), locals.add(I32)],
    splats: [locals.add(V128), locals.add(V128), locals.add(V128), locals.add(V128)],
  };
  const k = locals.add(I32);
  const last = locals.add(I32);
  const step = locals.add(I32);
  const yRows = [locals.add(I32), locals.add(I32)];
  const conf = [locals.add(F32), locals.add(F32)];
  const rsOld = locals.add(F32);
  const rsNew = locals.add(F32);
  const b = new FunctionBody();

  /** Emits the Y row address and the confidence of entry k + j. */
  const loadEntry = (j: number): void => {
    b.get(Y_PTR);
    b.get(IDX_PTR).get(k).i32(2).op(OP.i32Shl).op(OP.i32Add).memory(OP.i32Load, I32_ALIGN, j * 4);
    b.get(ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(yRows[j]);
    b.get(CONF_PTR).get(k).i32(2).op(OP.i32Shl).op(OP.i32Add).memory(OP.f32Load, F32_ALIGN, j * 4).set(conf[j]);
  };

  /**
   * Emits out += Σ_k coef_k y_k over the row's entries, two entries at a time, with
   * coef_k = c_k - (c_k - 1)(y_k · v) for the residual and (c_k - 1)(y_k · v) otherwise.
   */
  const applyEntries = (vector: number, out: number, residual: boolean): void => {
    const group = (count: number): void => {
      for (let j = 0; j < count; j++) loadEntry(j);
      emitDots(b, v, yRows.slice(0, count), vector);
      for (let j = 0; j < count; j++) {
        b.get(conf[j]).f32(1).op(OP.f32Sub).get(v.scalar[j]).op(OP.f32Mul);
        if (residual) b.set(v.scalar[j]).get(conf[j]).get(v.scalar[j]).op(OP.f32Sub);
        b.simd(SIMD.f32x4Splat).set(v.coef[j]);
      }
      emitAxpys(b, v, out, yRows.slice(0, count), false);
    };
    b.get(COUNT).i32(1).op(OP.i32Sub).set(last);
    emitFor(b, k, last, 2, () => group(2));
    // An odd count leaves the last entry.
    b.get(k).get(COUNT).op(OP.i32LtS).if();
    group(1);
    b.end();
  };

  // r = b - A x = -G x + Σ (c - (c - 1) y·x) y.
  emitSymv(b, v, symv, G_PTR, X_PTR, R_PTR, true);
  applyEntries(X_PTR, R_PTR, true);
  emitCopy(b, v, P_PTR, R_PTR);
  emitDot(b, v, R_PTR, R_PTR);
  b.get(v.scalar[0]).set(rsOld);
  b.get(rsOld).f32(RESIDUAL_EPSILON).op(OP.f32Lt).if().op(OP.return).end();

  emitFor(b, step, STEPS, 1, () => {
    // ap = A p.
    emitSymv(b, v, symv, G_PTR, P_PTR, AP_PTR, false);
    applyEntries(P_PTR, AP_PTR, false);
    // alpha = rsOld / p·ap; x += alpha p; r -= alpha ap.
    emitDot(b, v, P_PTR, AP_PTR);
    b.get(rsOld).get(v.scalar[0]).op(OP.f32Div).simd(SIMD.f32x4Splat).set(v.coef[0]);
    emitAxpy(b, v, X_PTR, P_PTR, false);
    emitAxpy(b, v, R_PTR, AP_PTR, true);
    emitDot(b, v, R_PTR, R_PTR);
    b.get(v.scalar[0]).set(rsNew);
    b.get(rsNew).f32(RESIDUAL_EPSILON).op(OP.f32Lt).if().op(OP.return).end();
    // p = r + (rsNew / rsOld) p.
    b.get(rsNew).get(rsOld).op(OP.f32Div).simd(SIMD.f32x4Splat).set(v.coef[0]);
    emitXpay(b, v, P_PTR, R_PTR);
    b.get(rsNew).set(rsOld);
  });
  return { locals: locals.extra, body: b };
}

// gramRows parameters: out[a, b] += y[r, a] · y[r, b] for b ≥ a rounded down to a multiple of 4.
const GRAM_PARAMS: ValueType[] = [I32, I32, I32, I32];
const [GY_PTR, G_ROWS, G_ROW_BYTES, GOUT_PTR] = GRAM_PARAMS.map((_, k) => k);

function buildGramRows(): { locals: ValueType[]; body: FunctionBody } {
  const locals = new Locals(GRAM_PARAMS);
  const r = locals.add(I32);
  const a = locals.add(I32);
  const yRow = locals.add(I32);
  const outRow = locals.add(I32);
  const offset = locals.add(I32);
  const coef = locals.add(V128);
  const b = new FunctionBody();
  emitFor(b, r, G_ROWS, 1, () => {
    b.get(GY_PTR).get(r).get(G_ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(yRow);
    // a counts bytes along the row of y.
    emitFor(b, a, G_ROW_BYTES, 4, () => {
      b.get(yRow).get(a).op(OP.i32Add).memory(OP.f32Load, F32_ALIGN).simd(SIMD.f32x4Splat).set(coef);
      b.get(GOUT_PTR).get(a).get(G_ROW_BYTES).op(OP.i32Mul).i32(2).op(OP.i32ShrU).op(OP.i32Add).set(outRow);
      // Upper triangle: columns from a rounded down to a 16-byte boundary.
      b.get(a).i32(-16).op(OP.i32And).set(offset);
      b.block().loop();
      b.get(offset).get(G_ROW_BYTES).op(OP.i32GeS).brIf(1);
      emitAddress(b, outRow, offset);
      emitAddress(b, outRow, offset);
      b.simdMemory(SIMD.v128Load, F32_ALIGN);
      b.get(coef);
      emitAddress(b, yRow, offset);
      b.simdMemory(SIMD.v128Load, F32_ALIGN);
      b.simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
      b.simdMemory(SIMD.v128Store, F32_ALIGN);
      b.get(offset).i32(16).op(OP.i32Add).set(offset);
      b.br(0);
      b.end().end();
    });
  });
  return { locals: locals.extra, body: b };
}

let compiled: object | null = null;

/** The compiled module, built once per thread. */
function module(): object {
  if (compiled === null) {
    const cg = buildCgRow();
    const gram = buildGramRows();
    compiled = new wasm.Module(
      encodeModule([
        { name: 'cgRow', params: CG_PARAMS, results: [], locals: cg.locals, body: cg.body },
        { name: 'gramRows', params: GRAM_PARAMS, results: [], locals: gram.locals, body: gram.body },
      ]),
    );
  }
  return compiled;
}

type CgRow = (gPtr: number, yPtr: number, xPtr: number, idxPtr: number, confPtr: number, count: number, rowBytes: number, steps: number, rPtr: number, pPtr: number, apPtr: number) => void;
type GramRows = (yPtr: number, rows: number, rowBytes: number, outPtr: number) => void;

/**
 * One thread's WebAssembly instance and the layout of its memory, in this order: G, the Gram
 * output block, three CG work vectors, Y, the task's X rows, then the task's entries (item
 * indices and confidences). Rows of every matrix are padded to `stride` values.
 */
export class AlsWasmRows {
  readonly cgRow: CgRow;
  readonly gramRows: GramRows;
  private readonly memory: WasmMemory;
  /** Values per padded row (see paddedStride). */
  stride = 0;
  gramPtr = 0;
  gramOutPtr = 0;
  rPtr = 0;
  pPtr = 0;
  apPtr = 0;
  yPtr = 0;
  xPtr = 0;
  idxPtr = 0;
  confPtr = 0;
  /** Half-steps (see AlsRowsTask.generation) whose Y and G are in memory, or -1. */
  private yGeneration = -1;
  private gramGeneration = -1;
  private yRows = 0;
  private xRows = 0;
  private entries = 0;

  constructor() {
    const instance = new wasm.Instance(module(), {});
    this.memory = instance.exports.memory as WasmMemory;
    this.cgRow = instance.exports.cgRow as CgRow;
    this.gramRows = instance.exports.gramRows as GramRows;
  }

  /**
   * Lays out memory for f factors, `yRows` rows of Y, `xRows` rows of X and `entries` entries.
   * A new layout clears memory and forgets the loaded Y and G.
   */
  layout(f: number, yRows: number, xRows: number, entries: number): void {
    const stride = paddedStride(f);
    if (this.stride === stride && this.yRows >= yRows && this.xRows >= xRows && this.entries >= entries) return;
    if (this.stride !== stride) {
      this.yRows = 0;
      this.xRows = 0;
      this.entries = 0;
    }
    this.stride = stride;
    this.yRows = Math.max(this.yRows, yRows);
    this.xRows = Math.max(this.xRows, xRows, 1);
    this.entries = Math.max(this.entries, entries, 1);
    const vectorBytes = stride * 4;
    this.gramPtr = 0;
    this.gramOutPtr = this.gramPtr + stride * vectorBytes;
    this.rPtr = this.gramOutPtr + stride * vectorBytes;
    this.pPtr = this.rPtr + vectorBytes;
    this.apPtr = this.pPtr + vectorBytes;
    this.yPtr = this.apPtr + vectorBytes;
    this.xPtr = this.yPtr + this.yRows * vectorBytes;
    this.idxPtr = this.xPtr + this.xRows * vectorBytes;
    this.confPtr = this.idxPtr + this.entries * 4;
    const end = this.confPtr + this.entries * 4;
    ensureMemory(this.memory, end, 'ALS rows');
    // Padding values must read as zero, whatever an earlier layout left there.
    new Uint8Array(this.memory.buffer, 0, end).fill(0);
    this.yGeneration = -1;
    this.gramGeneration = -1;
  }

  /** Copies the row-major [rows, f] Y into memory unless the half-step `generation` loaded it already. */
  loadY(y: Float32Array, f: number, generation: number): void {
    if (this.yGeneration === generation) return;
    const rows = y.length / f;
    copyRowsIn(y, 0, rows, f, this.f32(this.yPtr, rows * this.stride), this.stride);
    this.yGeneration = generation;
  }

  /** Copies G (row-major [f, f], float64) into memory as float32 unless `generation` loaded it already. */
  loadGram(gram: Float64Array, f: number, generation: number): void {
    if (this.gramGeneration === generation) return;
    const g = this.f32(this.gramPtr, f * this.stride);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) g[a * this.stride + b] = gram[a * f + b];
    this.gramGeneration = generation;
  }

  /** Float32 view of `length` values at byte address `ptr` (views are recreated after memory growth). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
}

/** Copies rows [rowStart, rowEnd) of the row-major [*, f] `source` into padded rows at `target`. */
export function copyRowsIn(source: Float32Array, rowStart: number, rowEnd: number, f: number, target: Float32Array, stride: number): void {
  if (stride === f) {
    target.set(source.subarray(rowStart * f, rowEnd * f));
    return;
  }
  for (let r = rowStart; r < rowEnd; r++) target.set(source.subarray(r * f, (r + 1) * f), (r - rowStart) * stride);
}

/** Copies padded rows at `source` back into rows [rowStart, rowEnd) of the row-major [*, f] `target`. */
export function copyRowsOut(source: Float32Array, stride: number, target: Float32Array, rowStart: number, rowEnd: number, f: number): void {
  if (stride === f) {
    target.set(source.subarray(0, (rowEnd - rowStart) * f), rowStart * f);
    return;
  }
  for (let r = rowStart; r < rowEnd; r++) target.set(source.subarray((r - rowStart) * stride, (r - rowStart) * stride + f), r * f);
}

/**
 * Writes Y^T Y over rows [rowStart, rowEnd) of the row-major [*, f] `y`, summed in float32 in
 * row order, as a full symmetric [f, f] matrix into out[offset .. offset + f^2). The rows go
 * where a task's X rows live, so a loaded G and Y stay.
 */
export function gramRowsWasm(engine: AlsWasmRows, y: Float32Array, rowStart: number, rowEnd: number, f: number, out: Float64Array, offset: number): void {
  const rows = rowEnd - rowStart;
  engine.layout(f, 0, rows, 0);
  copyRowsIn(y, rowStart, rowEnd, f, engine.f32(engine.xPtr, rows * engine.stride), engine.stride);
  gramOfXRows(engine, rows, f, out, offset);
}

/** Writes the Gram matrix of the first `rows` padded X rows in memory into out[offset .. offset + f^2), as gramRowsWasm. */
export function gramOfXRows(engine: AlsWasmRows, rows: number, f: number, out: Float64Array, offset: number): void {
  const stride = engine.stride;
  const result = engine.f32(engine.gramOutPtr, stride * stride);
  result.fill(0);
  engine.gramRows(engine.xPtr, rows, stride * 4, engine.gramOutPtr);
  // Only the upper triangle is summed; the lower one mirrors it.
  for (let a = 0; a < f; a++) {
    for (let b = a; b < f; b++) {
      const value = result[a * stride + b];
      out[offset + a * f + b] = value;
      out[offset + b * f + a] = value;
    }
  }
}
