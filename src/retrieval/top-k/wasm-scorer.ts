import { F64, FunctionBody, I32, OP, SIMD, V128, encodeModule, ensureMemory, wasm, type ValueType, type WasmMemory } from '../wasm/encoder.js';

/**
 * Inner products of a block of user rows with every item row, in WebAssembly with f64x2 SIMD:
 * out[r · nItems + i] = Σ_f users[r, f] · items[i, f]. Items are the outer loop, so one item row
 * stays in cache while the block's user rows pass over it. Dot products keep four interleaved
 * partial sums (factor index mod 4, a trailing pair going to the first two), added as
 * ((s0 + s2) + (s1 + s3)), then an odd last factor.
 */

// Parameters of `scoreRows`, by local index.
const USER_PTR = 0;
const ROWS = 1;
const ITEM_PTR = 2;
const ITEMS = 3;
const WIDTH = 4;
const OUT_PTR = 5;
const PARAMS: ValueType[] = [I32, I32, I32, I32, I32, I32];

// Further locals.
const ITEM = 6;
const ROW = 7;
const ITEM_ROW = 8;
const USER_ROW = 9;
const OFFSET = 10;
const ROW_BYTES = 11;
const QUAD_BYTES = 12;
const PAIR_BYTES = 13;
const DOT = 14;
const ACC0 = 15;
const ACC1 = 16;
const LOCALS: ValueType[] = [I32, I32, I32, I32, I32, I32, I32, I32, F64, V128, V128];

function buildScoreRowsBody(): FunctionBody {
  const b = new FunctionBody();
  b.get(WIDTH).i32(3).op(OP.i32Shl).set(ROW_BYTES);
  b.get(WIDTH).i32(-4).op(OP.i32And).i32(3).op(OP.i32Shl).set(QUAD_BYTES);
  b.get(WIDTH).i32(-2).op(OP.i32And).i32(3).op(OP.i32Shl).set(PAIR_BYTES);

  b.i32(0).set(ITEM);
  b.block().loop(); // items
  b.get(ITEM).get(ITEMS).op(OP.i32GeS).brIf(1);
  b.get(ITEM_PTR).get(ITEM).get(ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(ITEM_ROW);

  b.i32(0).set(ROW);
  b.block().loop(); // user rows of the block
  b.get(ROW).get(ROWS).op(OP.i32GeS).brIf(1);
  b.get(USER_PTR).get(ROW).get(ROW_BYTES).op(OP.i32Mul).op(OP.i32Add).set(USER_ROW);

  b.zeroVector().set(ACC0).zeroVector().set(ACC1).i32(0).set(OFFSET);
  b.block().loop();
  b.get(OFFSET).get(QUAD_BYTES).op(OP.i32GeS).brIf(1);
  b.get(ACC0);
  b.get(ITEM_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3);
  b.get(USER_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3);
  b.simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(ACC0);
  b.get(ACC1);
  b.get(ITEM_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3, 16);
  b.get(USER_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3, 16);
  b.simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(ACC1);
  b.get(OFFSET).i32(32).op(OP.i32Add).set(OFFSET);
  b.br(0).end().end();
  b.get(OFFSET).get(PAIR_BYTES).op(OP.i32LtS).if();
  b.get(ACC0);
  b.get(ITEM_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3);
  b.get(USER_ROW).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3);
  b.simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(ACC0);
  b.get(OFFSET).i32(16).op(OP.i32Add).set(OFFSET);
  b.end();
  b.get(ACC0).simd(SIMD.f64x2ExtractLane, 0).get(ACC1).simd(SIMD.f64x2ExtractLane, 0).op(OP.f64Add);
  b.get(ACC0).simd(SIMD.f64x2ExtractLane, 1).get(ACC1).simd(SIMD.f64x2ExtractLane, 1).op(OP.f64Add);
  b.op(OP.f64Add).set(DOT);
  b.get(OFFSET).get(ROW_BYTES).op(OP.i32LtS).if();
  b.get(DOT);
  b.get(ITEM_ROW).get(OFFSET).op(OP.i32Add).memory(OP.f64Load, 3);
  b.get(USER_ROW).get(OFFSET).op(OP.i32Add).memory(OP.f64Load, 3);
  b.op(OP.f64Mul).op(OP.f64Add).set(DOT);
  b.end();

  // out[row · nItems + item] = dot
  b.get(OUT_PTR).get(ROW).get(ITEMS).op(OP.i32Mul).get(ITEM).op(OP.i32Add).i32(3).op(OP.i32Shl).op(OP.i32Add);
  b.get(DOT).memory(OP.f64Store, 3);

  b.get(ROW).i32(1).op(OP.i32Add).set(ROW);
  b.br(0).end().end();

  b.get(ITEM).i32(1).op(OP.i32Add).set(ITEM);
  b.br(0).end().end();
  return b;
}

let compiled: object | null | undefined;

function scorerModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new wasm.Module(encodeModule([{ name: 'scoreRows', params: PARAMS, results: [], locals: LOCALS, body: buildScoreRowsBody() }]));
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Returns whether the WebAssembly scorer can run here (WebAssembly with fixed-width SIMD). */
export function wasmScorerAvailable(): boolean {
  return scorerModule() !== null;
}

/**
 * Scores blocks of users against a fixed item matrix. The item rows are copied into WebAssembly
 * memory once (as float64); `scoreBlock` copies a block of user rows in and returns a view of the
 * [rows × nItems] scores, valid until the next call.
 */
export class WasmBlockScorer {
  private readonly memory: WasmMemory;
  private readonly run: (...args: number[]) => void;
  private readonly itemPtr = 0;
  private readonly userPtr: number;
  private readonly outPtr: number;

  constructor(
    itemFactors: Float32Array | Float64Array,
    readonly nItems: number,
    readonly width: number,
    readonly maxRows: number,
  ) {
    const module = scorerModule();
    if (!module) throw new Error('WebAssembly SIMD is not available in this runtime');
    const instance = new wasm.Instance(module, {});
    this.memory = instance.exports.memory as WasmMemory;
    this.run = instance.exports.scoreRows as (...args: number[]) => void;
    const itemBytes = align16(nItems * width * 8);
    this.userPtr = itemBytes;
    this.outPtr = this.userPtr + align16(maxRows * width * 8);
    ensureMemory(this.memory, this.outPtr + maxRows * nItems * 8, 'the top-K scorer');
    new Float64Array(this.memory.buffer, this.itemPtr, nItems * width).set(itemFactors);
  }

  /** Scores users [start, end) of `userFactors` (row-major, this scorer's width); end − start ≤ maxRows. */
  scoreBlock(userFactors: Float32Array | Float64Array, start: number, end: number): Float64Array {
    const rows = end - start;
    if (rows > this.maxRows) throw new RangeError(`block of ${rows} users exceeds the scorer's ${this.maxRows}`);
    new Float64Array(this.memory.buffer, this.userPtr, rows * this.width).set(userFactors.subarray(start * this.width, end * this.width));
    this.run(this.userPtr, rows, this.itemPtr, this.nItems, this.width, this.outPtr);
    return new Float64Array(this.memory.buffer, this.outPtr, rows * this.nItems);
  }
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
