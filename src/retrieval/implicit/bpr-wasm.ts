import type { BprContext, BprStratumTask } from './tasks.js';
import { rngState } from './rng.js';
import { F32, F64, FunctionBody, I32, OP, SIMD, V128, encodeModule, ensureMemory, wasm, type ValueType, type WasmMemory } from '../wasm/encoder.js';

/**
 * A whole BPR stratum (see bprStratum) in WebAssembly, `bprRun`: the same samples from the same
 * random stream, with the row work in f32x4 SIMD and float32 as the `implicit` library (0.7)
 * computes it. For each sample, the score x_u · (y_i - y_j) gives z = 1 / (1 + exp(score)) in
 * float64 (through the imported Math.exp, since WebAssembly has no exp instruction), and
 * x_u += lr (z (y_i - y_j) - reg x_u), y_i += lr (z x_u - reg y_i), y_j += lr (-z x_u - reg y_j)
 * from the old x_u, with x_u's bias column set back to 1. Rows are padded with zeros to a
 * multiple of four values, and padding stays zero.
 */

const F32_ALIGN = 2;

function emitLoad(b: FunctionBody, ptr: number, offset: number): void {
  b.get(ptr).get(offset).op(OP.i32Add).simdMemory(SIMD.v128Load, F32_ALIGN);
}

/** Emits `for (offset = 0; offset < rowBytes; offset += 16) body()` over i32 locals. */
function emitRowLoop(b: FunctionBody, offset: number, rowBytes: number, body: () => void): void {
  b.i32(0).set(offset);
  b.block().loop();
  b.get(offset).get(rowBytes).op(OP.i32GeS).brIf(1);
  body();
  b.get(offset).i32(16).op(OP.i32Add).set(offset);
  b.br(0);
  b.end().end();
}

/** Pushes x_u · (y_i - y_j) (f32) for rows at the address locals u, l and d. */
function emitScore(b: FunctionBody, u: number, l: number, d: number, rowBytes: number, offset: number, acc: number): void {
  b.zeroVector().set(acc);
  emitRowLoop(b, offset, rowBytes, () => {
    b.get(acc);
    emitLoad(b, u, offset);
    emitLoad(b, l, offset);
    emitLoad(b, d, offset);
    b.simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc);
  });
  b.get(acc).simd(SIMD.f32x4ExtractLane, 0).get(acc).simd(SIMD.f32x4ExtractLane, 1).op(OP.f32Add);
  b.get(acc).simd(SIMD.f32x4ExtractLane, 2).get(acc).simd(SIMD.f32x4ExtractLane, 3).op(OP.f32Add);
  b.op(OP.f32Add);
}

interface UpdateLocals {
  readonly u: number;
  readonly l: number;
  readonly d: number;
  readonly rowBytes: number;
  readonly offset: number;
  /** Splatted lr, reg, z and -z. */
  readonly lr: number;
  readonly reg: number;
  readonly z: number;
  readonly minusZ: number;
  /** Scratch vectors. */
  readonly xu: number;
  readonly yl: number;
  readonly yd: number;
}

/** Emits the three row updates of a sample from the old x_u (the bias column is left to the caller). */
function emitUpdate(b: FunctionBody, v: UpdateLocals): void {
  emitRowLoop(b, v.offset, v.rowBytes, () => {
    emitLoad(b, v.u, v.offset);
    b.set(v.xu);
    emitLoad(b, v.l, v.offset);
    b.set(v.yl);
    emitLoad(b, v.d, v.offset);
    b.set(v.yd);
    // x_u + lr (z (y_i - y_j) - reg x_u)
    b.get(v.u).get(v.offset).op(OP.i32Add);
    b.get(v.xu).get(v.lr).get(v.z).get(v.yl).get(v.yd).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul);
    b.get(v.reg).get(v.xu).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN);
    // y_i + lr (z x_u - reg y_i)
    b.get(v.l).get(v.offset).op(OP.i32Add);
    b.get(v.yl).get(v.lr).get(v.z).get(v.xu).simd(SIMD.f32x4Mul);
    b.get(v.reg).get(v.yl).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN);
    // y_j + lr (-z x_u - reg y_j)
    b.get(v.d).get(v.offset).op(OP.i32Add);
    b.get(v.yd).get(v.lr).get(v.minusZ).get(v.xu).simd(SIMD.f32x4Mul);
    b.get(v.reg).get(v.yd).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
    b.simdMemory(SIMD.v128Store, F32_ALIGN);
  });
}

// bprRun parameters, by local index: a whole stratum of samples (see bprStratum).
const RUN_PARAMS: ValueType[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, I32, I32, I32, I32];
const [
  R_ITEM_PTR,
  R_ROW_BYTES,
  R_INDPTR_PTR,
  R_INDICES_PTR,
  R_POS_USER_PTR,
  R_POS_ITEM_PTR,
  R_POSITIVES,
  R_NEG_PTR,
  R_NEGATIVES,
  R_S0,
  R_S1,
  R_S2,
  R_S3,
  R_LR,
  R_REG,
  R_BIAS_OFFSET,
  R_USER_MARKS,
  R_ITEM_MARKS,
  R_RESULT_PTR,
] = RUN_PARAMS.map((_, k) => k);
/** Index of the imported Math.exp. */
const EXP_FUNCTION = 0;

/**
 * Builds bprRun: every sample of a stratum, with the random stream (xoshiro128**, as rng.ts),
 * the skip of negatives the user has stored (binary search of the user's sorted row), the
 * sigmoid through the imported Math.exp, and the row updates. Marks each changed row with a 1
 * byte and writes the correctly ordered and skipped counts as two i32 at R_RESULT_PTR.
 */
function buildRun(): { locals: ValueType[]; body: FunctionBody } {
  const types: ValueType[] = [];
  const local = (type: ValueType): number => {
    types.push(type);
    return RUN_PARAMS.length + types.length - 1;
  };
  const [sample, random, t, u, liked, disliked, lo, hi, mid, value, uPtr, lPtr, dPtr, correct, skipped, offset] = Array.from({ length: 16 }, () => local(I32));
  const zWide = local(F64);
  const zNarrow = local(F32);
  const [acc, lr, reg, z, minusZ, xu, yl, yd] = Array.from({ length: 8 }, () => local(V128));
  const b = new FunctionBody();

  /** Emits random = nextUint32(), as createRng does. */
  const nextUint32 = (): void => {
    b.get(R_S1).i32(5).op(OP.i32Mul).i32(7).op(OP.i32Rotl).i32(9).op(OP.i32Mul).set(random);
    b.get(R_S1).i32(9).op(OP.i32Shl).set(t);
    b.get(R_S2).get(R_S0).op(OP.i32Xor).set(R_S2);
    b.get(R_S3).get(R_S1).op(OP.i32Xor).set(R_S3);
    b.get(R_S1).get(R_S2).op(OP.i32Xor).set(R_S1);
    b.get(R_S0).get(R_S3).op(OP.i32Xor).set(R_S0);
    b.get(R_S2).get(t).op(OP.i32Xor).set(R_S2);
    b.get(R_S3).i32(11).op(OP.i32Rotl).set(R_S3);
  };
  /** Pushes nextInt(n) = floor((nextUint32() / 2^32) * n) for the positive i32 local n. */
  const nextInt = (n: number): void => {
    nextUint32();
    b.get(random).op(OP.f64ConvertI32U).f64(4_294_967_296).op(OP.f64Div);
    b.get(n).op(OP.f64ConvertI32U).op(OP.f64Mul).op(OP.f64Floor).op(OP.i32TruncF64S);
  };
  const load32 = (base: number, index: () => void): void => {
    b.get(base);
    index();
    b.i32(2).op(OP.i32Shl).op(OP.i32Add).memory(OP.i32Load, 2);
  };

  b.get(R_LR).simd(SIMD.f32x4Splat).set(lr);
  b.get(R_REG).simd(SIMD.f32x4Splat).set(reg);
  b.i32(0).set(correct);
  b.i32(0).set(skipped);
  b.i32(0).set(sample);
  b.block().loop(); // samples
  b.get(sample).get(R_POSITIVES).op(OP.i32GeS).brIf(1);
  b.get(sample).i32(1).op(OP.i32Add).set(sample);
  b.block(); // a skipped sample branches out of this block

  // The pair (u, liked) and a negative, drawn in this order.
  nextInt(R_POSITIVES);
  b.set(mid);
  load32(R_POS_USER_PTR, () => b.get(mid));
  b.set(u);
  load32(R_POS_ITEM_PTR, () => b.get(mid));
  b.set(liked);
  load32(R_NEG_PTR, () => nextInt(R_NEGATIVES));
  b.set(disliked);

  // Skip the negative when the user's sorted row stores it.
  load32(R_INDPTR_PTR, () => b.get(u));
  b.set(lo);
  load32(R_INDPTR_PTR, () => b.get(u).i32(1).op(OP.i32Add));
  b.i32(1).op(OP.i32Sub).set(hi);
  b.block().loop();
  b.get(lo).get(hi).op(OP.i32GtS).brIf(1);
  b.get(lo).get(hi).op(OP.i32Add).i32(1).op(OP.i32ShrU).set(mid);
  load32(R_INDICES_PTR, () => b.get(mid));
  b.set(value);
  b.get(value).get(disliked).op(OP.i32Eq).if();
  b.get(skipped).i32(1).op(OP.i32Add).set(skipped);
  b.br(3); // out of the sample's block
  b.end();
  b.get(value).get(disliked).op(OP.i32LtS).if();
  b.get(mid).i32(1).op(OP.i32Add).set(lo);
  b.op(OP.else);
  b.get(mid).i32(1).op(OP.i32Sub).set(hi);
  b.end();
  b.br(0);
  b.end().end();

  b.get(u).get(R_ROW_BYTES).op(OP.i32Mul).set(uPtr);
  b.get(R_ITEM_PTR).get(liked).get(R_ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(lPtr);
  b.get(R_ITEM_PTR).get(disliked).get(R_ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(dPtr);

  // z = 1 / (1 + exp(x_u · (y_i - y_j))), in float64 as bprStratum computes it.
  emitScore(b, uPtr, lPtr, dPtr, R_ROW_BYTES, offset, acc);
  b.op(OP.f64PromoteF32).call(EXP_FUNCTION).set(zWide);
  b.f64(1).f64(1).get(zWide).op(OP.f64Add).op(OP.f64Div).set(zWide);
  b.get(zWide).f64(0.5).op(OP.f64Lt).if();
  b.get(correct).i32(1).op(OP.i32Add).set(correct);
  b.end();
  b.get(zWide).op(OP.f32DemoteF64).set(zNarrow);
  b.get(zNarrow).simd(SIMD.f32x4Splat).set(z);
  b.f32(0).get(zNarrow).op(OP.f32Sub).simd(SIMD.f32x4Splat).set(minusZ);
  emitUpdate(b, { u: uPtr, l: lPtr, d: dPtr, rowBytes: R_ROW_BYTES, offset, lr, reg, z, minusZ, xu, yl, yd });
  b.get(uPtr).get(R_BIAS_OFFSET).op(OP.i32Add).f32(1).memory(OP.f32Store, F32_ALIGN);
  for (const [marks, row] of [
    [R_USER_MARKS, u],
    [R_ITEM_MARKS, liked],
    [R_ITEM_MARKS, disliked],
  ]) {
    b.get(marks).get(row).op(OP.i32Add).i32(1).memory(OP.i32Store8, 0);
  }
  b.end(); // sample's block
  b.br(0);
  b.end().end();

  b.get(R_RESULT_PTR).get(correct).memory(OP.i32Store, 2);
  b.get(R_RESULT_PTR).get(skipped).memory(OP.i32Store, 2, 4);
  return { locals: types, body: b };
}

let compiled: object | null = null;

function module(): object {
  if (compiled === null) {
    const run = buildRun();
    compiled = new wasm.Module(
      encodeModule(
        [{ name: 'bprRun', params: RUN_PARAMS, results: [], locals: run.locals, body: run.body }],
        1,
        [{ module: 'Math', name: 'exp', params: [F64], results: [F64] }],
      ),
    );
  }
  return compiled;
}

type Run = (...args: number[]) => void;

/**
 * One thread's WebAssembly instance for BPR strata. Its memory contains the user rows, then the
 * item rows (each padded to `stride` values), the CSR rows, and the stratum's samples, marks and
 * counts (see runStratum).
 */
export class BprWasm {
  readonly run: Run;
  private readonly memory: WasmMemory;
  private stride = 0;
  /** Context whose CSR rows are in memory, or -1. */
  private csrContext = -1;

  constructor() {
    const instance = new wasm.Instance(module(), { Math: { exp: Math.exp } });
    this.memory = instance.exports.memory as WasmMemory;
    this.run = instance.exports.bprRun as Run;
  }

  /**
   * Runs every sample of a stratum (see bprStratum) and returns its counts. Copies both factor
   * matrices in, runs bprRun, and copies back only the rows the stratum changed: rows of other
   * strata may be changing on other threads meanwhile, so they are never written.
   */
  runStratum(task: BprStratumTask, context: BprContext): { correct: number; skipped: number } {
    const { indptr, indices, userFactors: x, itemFactors: y } = context;
    const width = task.width;
    const users = x.length / width;
    const items = y.length / width;
    const nnz = indptr[users];
    const positives = task.positivesEnd - task.positivesStart;
    const negatives = task.negativesEnd - task.negativesStart;
    const stride = Math.ceil(width / 4) * 4;
    const rowBytes = stride * 4;

    const itemPtr = users * rowBytes;
    const indptrPtr = (users + items) * rowBytes;
    const indicesPtr = indptrPtr + (users + 1) * 4;
    const posUserPtr = indicesPtr + nnz * 4;
    const posItemPtr = posUserPtr + positives * 4;
    const negPtr = posItemPtr + positives * 4;
    const userMarks = negPtr + negatives * 4;
    const itemMarks = userMarks + users;
    const resultPtr = Math.ceil((itemMarks + items) / 4) * 4;
    ensureMemory(this.memory, resultPtr + 8, 'BPR stratum');
    const buffer = this.memory.buffer;
    if (this.stride !== stride) {
      // Padding values must read as zero, whatever an earlier width left there.
      new Uint8Array(buffer).fill(0);
      this.stride = stride;
      this.csrContext = -1;
    }

    const memory = new Float32Array(buffer, 0, (users + items) * stride);
    for (let u = 0; u < users; u++) memory.set(x.subarray(u * width, (u + 1) * width), u * stride);
    for (let i = 0; i < items; i++) memory.set(y.subarray(i * width, (i + 1) * width), (users + i) * stride);
    if (this.csrContext !== context.id) {
      new Int32Array(buffer, indptrPtr, users + 1).set(indptr);
      new Int32Array(buffer, indicesPtr, nnz).set(indices.subarray(0, nnz));
      this.csrContext = context.id;
    }
    new Int32Array(buffer, posUserPtr, positives).set(context.positivesUser.subarray(task.positivesStart, task.positivesEnd));
    new Int32Array(buffer, posItemPtr, positives).set(context.positivesItem.subarray(task.positivesStart, task.positivesEnd));
    new Int32Array(buffer, negPtr, negatives).set(context.negatives.subarray(task.negativesStart, task.negativesEnd));
    const marks = new Uint8Array(buffer, userMarks, users + items);
    marks.fill(0);

    const [s0, s1, s2, s3] = rngState(task.seed, task.stream);
    this.run(itemPtr, rowBytes, indptrPtr, indicesPtr, posUserPtr, posItemPtr, positives, negPtr, negatives, s0, s1, s2, s3, task.learningRate, task.regularization, (width - 1) * 4, userMarks, itemMarks, resultPtr);

    for (let u = 0; u < users; u++) if (marks[u] === 1) x.set(memory.subarray(u * stride, u * stride + width), u * width);
    for (let i = 0; i < items; i++) {
      if (marks[users + i] === 1) y.set(memory.subarray((users + i) * stride, (users + i) * stride + width), i * width);
    }
    const result = new Int32Array(buffer, resultPtr, 2);
    return { correct: result[0], skipped: result[1] };
  }
}
