import { FunctionBody, I32, OP, SIMD, V128, encodeModule, ensureMemory, wasm, type ValueType, type WasmMemory } from '../wasm/encoder.js';

/**
 * Inner products of a block of user rows with every item row, in WebAssembly with f64x2 SIMD:
 * scores[r · stride + i] = Σ_f users[r, f] · items[i, f]. The kernel computes 2 users × 2 items
 * at a time, so each loaded vector serves two products, and keeps four independent accumulators.
 * Rows, items and the width are padded with zeros to even counts. Each dot product sums the even
 * and the odd factors separately and adds the two sums at the end. Items are the outer loop, so
 * an item pair stays in cache while the block's user rows pass over it.
 */

// Parameters of `scoreRows`, by local index.
const USER_PTR = 0;
const ROW_PAIRS = 1;
const ITEM_PTR = 2;
const ITEM_PAIRS = 3;
const ROW_BYTES = 4; // padded width · 8
const OUT_PTR = 5;
const STRIDE_BYTES = 6; // padded item count · 8
const PARAMS: ValueType[] = [I32, I32, I32, I32, I32, I32, I32];

// Further locals.
const ITEM_PAIR = 7;
const ROW_PAIR = 8;
const ITEM0 = 9;
const USER0 = 10;
const OFFSET = 11;
const OUT_ADDRESS = 12;
const A00 = 13;
const A01 = 14;
const A10 = 15;
const A11 = 16;
const X0 = 17;
const X1 = 18;
const Y0 = 19;
const Y1 = 20;
const LOCALS: ValueType[] = [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128];

function buildScoreRowsBody(): FunctionBody {
  const b = new FunctionBody();
  const accumulate = (accumulator: number, x: number, y: number): void => {
    b.get(accumulator).get(x).get(y).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add).set(accumulator);
  };
  const storeSum = (accumulator: number, extraBytes: number): void => {
    b.get(OUT_ADDRESS);
    if (extraBytes !== 0) b.get(STRIDE_BYTES).op(OP.i32Add);
    b.get(accumulator).simd(SIMD.f64x2ExtractLane, 0).get(accumulator).simd(SIMD.f64x2ExtractLane, 1).op(OP.f64Add);
  };

  b.i32(0).set(ITEM_PAIR);
  b.block().loop(); // item pairs
  b.get(ITEM_PAIR).get(ITEM_PAIRS).op(OP.i32GeS).brIf(1);
  b.get(ITEM_PTR).get(ITEM_PAIR).get(ROW_BYTES).op(OP.i32Mul).i32(1).op(OP.i32Shl).op(OP.i32Add).set(ITEM0);

  b.i32(0).set(ROW_PAIR);
  b.block().loop(); // user row pairs
  b.get(ROW_PAIR).get(ROW_PAIRS).op(OP.i32GeS).brIf(1);
  b.get(USER_PTR).get(ROW_PAIR).get(ROW_BYTES).op(OP.i32Mul).i32(1).op(OP.i32Shl).op(OP.i32Add).set(USER0);

  b.zeroVector().set(A00).zeroVector().set(A01).zeroVector().set(A10).zeroVector().set(A11);
  b.i32(0).set(OFFSET);
  b.block().loop(); // factor pairs
  b.get(OFFSET).get(ROW_BYTES).op(OP.i32GeS).brIf(1);
  b.get(USER0).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3).set(X0);
  b.get(USER0).get(ROW_BYTES).op(OP.i32Add).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3).set(X1);
  b.get(ITEM0).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3).set(Y0);
  b.get(ITEM0).get(ROW_BYTES).op(OP.i32Add).get(OFFSET).op(OP.i32Add).simdMemory(SIMD.v128Load, 3).set(Y1);
  accumulate(A00, X0, Y0);
  accumulate(A01, X0, Y1);
  accumulate(A10, X1, Y0);
  accumulate(A11, X1, Y1);
  b.get(OFFSET).i32(16).op(OP.i32Add).set(OFFSET);
  b.br(0).end().end();

  // out + (2·rowPair) · stride + (2·itemPair) · 8
  b.get(OUT_PTR).get(ROW_PAIR).get(STRIDE_BYTES).op(OP.i32Mul).i32(1).op(OP.i32Shl).op(OP.i32Add);
  b.get(ITEM_PAIR).i32(4).op(OP.i32Shl).op(OP.i32Add).set(OUT_ADDRESS);
  storeSum(A00, 0);
  b.memory(OP.f64Store, 3, 0);
  storeSum(A01, 0);
  b.memory(OP.f64Store, 3, 8);
  storeSum(A10, 1);
  b.memory(OP.f64Store, 3, 0);
  storeSum(A11, 1);
  b.memory(OP.f64Store, 3, 8);

  b.get(ROW_PAIR).i32(1).op(OP.i32Add).set(ROW_PAIR);
  b.br(0).end().end();

  b.get(ITEM_PAIR).i32(1).op(OP.i32Add).set(ITEM_PAIR);
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

/** Scores of one block: user r's score of item i is `scores[r · stride + i]`. */
export interface ScoredBlock {
  readonly scores: Float64Array;
  readonly stride: number;
}

/**
 * Scores blocks of users against a fixed item matrix. The item rows are copied into WebAssembly
 * memory once, as float64 and zero-padded. `scoreBlock` copies a block of user rows in and
 * returns a view of the scores, valid until the next call.
 */
export class WasmBlockScorer {
  private readonly memory: WasmMemory;
  private readonly run: (...args: number[]) => void;
  private readonly itemPtr = 0;
  private readonly userPtr: number;
  private readonly outPtr: number;
  private readonly paddedWidth: number;
  private readonly paddedItems: number;

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
    this.paddedWidth = width + (width % 2);
    this.paddedItems = nItems + (nItems % 2);
    const paddedRows = maxRows + (maxRows % 2);
    this.userPtr = align16(this.paddedItems * this.paddedWidth * 8);
    this.outPtr = this.userPtr + align16(paddedRows * this.paddedWidth * 8);
    ensureMemory(this.memory, this.outPtr + paddedRows * this.paddedItems * 8, 'the top-K scorer');
    copyPadded(itemFactors, nItems, width, new Float64Array(this.memory.buffer, this.itemPtr, this.paddedItems * this.paddedWidth), this.paddedWidth);
  }

  /** Scores users [start, end) of `userFactors` (row-major, this scorer's width); end − start ≤ maxRows. */
  scoreBlock(userFactors: Float32Array | Float64Array, start: number, end: number): ScoredBlock {
    const rows = end - start;
    if (rows > this.maxRows) throw new RangeError(`block of ${rows} users exceeds the scorer's ${this.maxRows}`);
    const paddedRows = rows + (rows % 2);
    const users = new Float64Array(this.memory.buffer, this.userPtr, paddedRows * this.paddedWidth);
    copyPadded(userFactors.subarray(start * this.width, end * this.width), rows, this.width, users, this.paddedWidth);
    this.run(this.userPtr, paddedRows / 2, this.itemPtr, this.paddedItems / 2, this.paddedWidth * 8, this.outPtr, this.paddedItems * 8);
    return { scores: new Float64Array(this.memory.buffer, this.outPtr, paddedRows * this.paddedItems), stride: this.paddedItems };
  }
}

/** Copies `rows` rows of `width` values into `target` rows of `paddedWidth`, zero-filling the rest. */
function copyPadded(source: Float32Array | Float64Array, rows: number, width: number, target: Float64Array, paddedWidth: number): void {
  if (paddedWidth === width) {
    target.set(source.subarray(0, rows * width));
  } else {
    for (let r = 0; r < rows; r++) {
      target.set(source.subarray(r * width, r * width + width), r * paddedWidth);
      target[r * paddedWidth + width] = 0;
    }
  }
  target.fill(0, rows * paddedWidth);
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
