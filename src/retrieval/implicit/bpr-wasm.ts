import { F32, FunctionBody, I32, OP, SIMD, V128, encodeModule, ensureMemory, wasm, type ValueType, type WasmMemory } from '../wasm/encoder.js';

/**
 * The vector work of one BPR sample (see bprStratum) in WebAssembly with f32x4 SIMD, in float32
 * as the `implicit` library (0.7) computes it:
 *
 * - `bprScore` returns x_u · (y_i - y_j);
 * - `bprUpdate` applies x_u += lr (z (y_i - y_j) - reg x_u), y_i += lr (z x_u - reg y_i) and
 *   y_j += lr (-z x_u - reg y_j) from the old x_u, then sets x_u's bias column back to 1.
 *
 * Rows are padded with zeros to a multiple of four values, and padding stays zero under both.
 * The sigmoid stays in JavaScript, because WebAssembly has no exp instruction.
 */

const F32_ALIGN = 2;

// Parameters shared by both functions, by local index.
const U_PTR = 0;
const L_PTR = 1;
const D_PTR = 2;
const ROW_BYTES = 3;
const SCORE_PARAMS: ValueType[] = [I32, I32, I32, I32];
const UPDATE_PARAMS: ValueType[] = [I32, I32, I32, I32, F32, F32, F32, I32];
const Z = 4;
const LR = 5;
const REG = 6;
const BIAS_OFFSET = 7;

function emitLoad(b: FunctionBody, ptr: number, offset: number): void {
  b.get(ptr).get(offset).op(OP.i32Add).simdMemory(SIMD.v128Load, F32_ALIGN);
}

/** Emits `for (offset = 0; offset < ROW_BYTES; offset += 16) body()`. */
function emitRowLoop(b: FunctionBody, offset: number, body: () => void): void {
  b.i32(0).set(offset);
  b.block().loop();
  b.get(offset).get(ROW_BYTES).op(OP.i32GeS).brIf(1);
  body();
  b.get(offset).i32(16).op(OP.i32Add).set(offset);
  b.br(0);
  b.end().end();
}

function buildScore(): { locals: ValueType[]; body: FunctionBody } {
  const offset = SCORE_PARAMS.length;
  const acc = offset + 1;
  const b = new FunctionBody();
  b.zeroVector().set(acc);
  emitRowLoop(b, offset, () => {
    b.get(acc);
    emitLoad(b, U_PTR, offset);
    emitLoad(b, L_PTR, offset);
    emitLoad(b, D_PTR, offset);
    b.simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc);
  });
  b.get(acc).simd(SIMD.f32x4ExtractLane, 0).get(acc).simd(SIMD.f32x4ExtractLane, 1).op(OP.f32Add);
  b.get(acc).simd(SIMD.f32x4ExtractLane, 2).get(acc).simd(SIMD.f32x4ExtractLane, 3).op(OP.f32Add);
  b.op(OP.f32Add);
  return { locals: [I32, V128], body: b };
}

function buildUpdate(): { locals: ValueType[]; body: FunctionBody } {
  const base = UPDATE_PARAMS.length;
  const [offset, lr, reg, z, minusZ, xu, yl, yd] = [base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7];
  const b = new FunctionBody();
  b.get(LR).simd(SIMD.f32x4Splat).set(lr);
  b.get(REG).simd(SIMD.f32x4Splat).set(reg);
  b.get(Z).simd(SIMD.f32x4Splat).set(z);
  b.f32(0).get(Z).op(OP.f32Sub).simd(SIMD.f32x4Splat).set(minusZ);
  emitRowLoop(b, offset, () => {
    emitLoad(b, U_PTR, offset);
    b.set(xu);
    emitLoad(b, L_PTR, offset);
    b.set(yl);
    emitLoad(b, D_PTR, offset);
    b.set(yd);
    // x_u + lr (z (y_i - y_j) - reg x_u)
    b.get(U_PTR).get(offset).op(OP.i32Add);
    b.get(xu).get(lr).get(z).get(yl).get(yd).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul);
    b.get(reg).get(xu).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN);
    // y_i + lr (z x_u - reg y_i)
    b.get(L_PTR).get(offset).op(OP.i32Add);
    b.get(yl).get(lr).get(z).get(xu).simd(SIMD.f32x4Mul);
    b.get(reg).get(yl).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN);
    // y_j + lr (-z x_u - reg y_j)
    b.get(D_PTR).get(offset).op(OP.i32Add);
    b.get(yd).get(lr).get(minusZ).get(xu).simd(SIMD.f32x4Mul);
    b.get(reg).get(yd).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN);
  });
  // The user's bias column is fixed at 1.
  b.get(U_PTR).get(BIAS_OFFSET).op(OP.i32Add).f32(1).memory(OP.f32Store, F32_ALIGN);
  return { locals: [I32, V128, V128, V128, V128, V128, V128, V128], body: b };
}

let compiled: object | null = null;

function module(): object {
  if (compiled === null) {
    const score = buildScore();
    const update = buildUpdate();
    compiled = new wasm.Module(
      encodeModule([
        { name: 'bprScore', params: SCORE_PARAMS, results: [F32], locals: score.locals, body: score.body },
        { name: 'bprUpdate', params: UPDATE_PARAMS, results: [], locals: update.locals, body: update.body },
      ]),
    );
  }
  return compiled;
}

type Score = (uPtr: number, lPtr: number, dPtr: number, rowBytes: number) => number;
type Update = (uPtr: number, lPtr: number, dPtr: number, rowBytes: number, z: number, lr: number, reg: number, biasOffset: number) => void;

/**
 * One thread's WebAssembly instance with copies of both factor matrices, rows padded to
 * `stride` values: the user rows, then the item rows.
 */
export class BprWasm {
  readonly score: Score;
  readonly update: Update;
  private readonly memory: WasmMemory;
  stride = 0;
  itemPtr = 0;

  constructor() {
    const instance = new wasm.Instance(module(), {});
    this.memory = instance.exports.memory as WasmMemory;
    this.score = instance.exports.bprScore as Score;
    this.update = instance.exports.bprUpdate as Update;
  }

  /** Copies every row of the row-major [*, width] factor matrices into memory. */
  load(x: Float32Array, y: Float32Array, width: number): void {
    const stride = Math.ceil(width / 4) * 4;
    const users = x.length / width;
    const items = y.length / width;
    const bytes = (users + items) * stride * 4;
    if (this.stride !== stride || this.memory.buffer.byteLength < bytes) {
      ensureMemory(this.memory, bytes, 'BPR factors');
      new Uint8Array(this.memory.buffer).fill(0);
    }
    this.stride = stride;
    this.itemPtr = users * stride * 4;
    const memory = new Float32Array(this.memory.buffer, 0, (users + items) * stride);
    for (let u = 0; u < users; u++) memory.set(x.subarray(u * width, (u + 1) * width), u * stride);
    for (let i = 0; i < items; i++) memory.set(y.subarray(i * width, (i + 1) * width), (users + i) * stride);
  }

  /** Copies the rows marked in `users` and `items` back into the factor matrices. */
  store(x: Float32Array, y: Float32Array, width: number, users: Uint8Array, items: Uint8Array): void {
    const stride = this.stride;
    const memory = new Float32Array(this.memory.buffer, 0, (users.length + items.length) * stride);
    for (let u = 0; u < users.length; u++) if (users[u] === 1) x.set(memory.subarray(u * stride, u * stride + width), u * width);
    for (let i = 0; i < items.length; i++) {
      if (items[i] === 1) y.set(memory.subarray((users.length + i) * stride, (users.length + i) * stride + width), i * width);
    }
  }
}
