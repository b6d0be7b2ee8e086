import { F32, FunctionBody, I32, OP, PAGE_BYTES, SIMD, V128, encodeModule, ensureMemory, wasm, type WasmMemory } from '../../retrieval/wasm/encoder.js';
import { binStartOf, buildBinnedMatrix, type BinnedMatrix, type BinStorage } from './binned-matrix.js';
import { SPLIT_MIN_ROWS } from './histogram.js';
import { SerialKernels, type HistogramJob, type NodeKernels } from './kernels.js';
import { fillGoesRight, type PartitionJob } from './partition.js';
import type { HistogramCuts } from './quantile.js';

/* Opcodes the shared encoder does not name. */
const I32_LOAD16_U = 0x2f;
const I32_GE_U = 0x4f;
const I32_LOAD8_U = 0x2d;
const I32_STORE = 0x36;
const SELECT = 0x1b;

/* Parameters of the exported `accumulate`: byte addresses, and row positions begin..end. */
const ROW_INDEX_PTR = 0;
const BEGIN = 1;
const END = 2;
const GRAD_PTR = 3;
const ROW_PTR_PTR = 4;
const BINS_PTR = 5;
const HIST_PTR = 6;
const ACCUMULATE_PARAMS = [I32, I32, I32, I32, I32, I32, I32] as const;

/**
 * Emits `accumulate`, the WebAssembly form of accumulateHistogram for 16-bit bin ids. For
 * each position i in begin..end, row r = rowIndex[i] adds its (gradient, hessian) pair, one f64x2
 * at gradPtr + 16 r, to the f64x2 slot hist + 16 bin of each of its stored bins. The lanes add
 * separately and in row order, so the sums are the same doubles as the JavaScript kernel's.
 */
function buildAccumulate(): { locals: (typeof I32 | typeof V128)[]; body: FunctionBody } {
  const position = 7;
  const entry = 8;
  const stop = 9;
  const slot = 10;
  const pair = 11;
  const b = new FunctionBody();
  // position and END become byte addresses into rowIndex.
  b.get(BEGIN).i32(2).op(OP.i32Shl).get(ROW_INDEX_PTR).op(OP.i32Add).set(position);
  b.get(END).i32(2).op(OP.i32Shl).get(ROW_INDEX_PTR).op(OP.i32Add).set(END);
  b.block().loop();
  b.get(position).get(END).op(I32_GE_U).brIf(1);
  // slot = row r; then the pair of row r, and its entries' byte range in the bins array.
  b.get(position).memory(OP.i32Load, 2).set(slot);
  b.get(slot).i32(4).op(OP.i32Shl).get(GRAD_PTR).op(OP.i32Add).simdMemory(SIMD.v128Load, 3).set(pair);
  b.get(slot).i32(2).op(OP.i32Shl).get(ROW_PTR_PTR).op(OP.i32Add).set(slot);
  b.get(slot).memory(OP.i32Load, 2).i32(1).op(OP.i32Shl).get(BINS_PTR).op(OP.i32Add).set(entry);
  b.get(slot).memory(OP.i32Load, 2, 4).i32(1).op(OP.i32Shl).get(BINS_PTR).op(OP.i32Add).set(stop);
  b.block().loop();
  b.get(entry).get(stop).op(I32_GE_U).brIf(1);
  b.get(entry).memory(I32_LOAD16_U, 1).i32(4).op(OP.i32Shl).get(HIST_PTR).op(OP.i32Add).tee(slot);
  b.get(slot).simdMemory(SIMD.v128Load, 3).get(pair).simd(SIMD.f64x2Add).simdMemory(SIMD.v128Store, 3);
  b.get(entry).i32(2).op(OP.i32Add).set(entry);
  b.br(0);
  b.end().end();
  b.get(position).i32(4).op(OP.i32Add).set(position);
  b.br(0);
  b.end().end();
  return { locals: [I32, I32, I32, I32, V128], body: b };
}

/* Parameters of the exported `partition`: byte addresses, and row positions begin..end. */
const P_ROW_INDEX_PTR = 0;
const P_BEGIN = 1;
const P_END = 2;
const P_COLUMN_PTR = 3;
const P_GOES_RIGHT_PTR = 4;
const P_SPILL_PTR = 5;
const PARTITION_PARAMS = [I32, I32, I32, I32, I32, I32] as const;

/**
 * Emits `partition`, the WebAssembly form of partitionRange for 16-bit local bins: a stable,
 * branch-free partition of rowIndex[begin..end) in which row r goes right when
 * goesRight[column[r]] is 1. Left rows are packed from begin and right rows written to the
 * spill area in order. Returns the number of left rows.
 */
function buildPartition(): { locals: (typeof I32)[]; body: FunctionBody } {
  const position = 6;
  const write = 7;
  const spilled = 8;
  const row = 9;
  const right = 10;
  const b = new FunctionBody();
  b.get(P_BEGIN).i32(2).op(OP.i32Shl).get(P_ROW_INDEX_PTR).op(OP.i32Add).tee(position).set(write);
  b.get(P_END).i32(2).op(OP.i32Shl).get(P_ROW_INDEX_PTR).op(OP.i32Add).set(P_END);
  b.get(P_SPILL_PTR).set(spilled);
  b.block().loop();
  b.get(position).get(P_END).op(I32_GE_U).brIf(1);
  b.get(position).memory(OP.i32Load, 2).set(row);
  b.get(row).i32(1).op(OP.i32Shl).get(P_COLUMN_PTR).op(OP.i32Add).memory(I32_LOAD16_U, 1);
  b.get(P_GOES_RIGHT_PTR).op(OP.i32Add).memory(I32_LOAD8_U, 0).i32(2).op(OP.i32Shl).set(right);
  b.get(write).get(row).memory(I32_STORE, 2);
  b.get(spilled).get(row).memory(I32_STORE, 2);
  // write advances by 4 bytes for a left row, spilled by 4 for a right row.
  b.get(write).i32(4).op(OP.i32Add).get(right).op(OP.i32Sub).set(write);
  b.get(spilled).get(right).op(OP.i32Add).set(spilled);
  b.get(position).i32(4).op(OP.i32Add).set(position);
  b.br(0);
  b.end().end();
  b.get(write).get(P_ROW_INDEX_PTR).op(OP.i32Sub).i32(2).op(OP.i32ShrU).get(P_BEGIN).op(OP.i32Sub);
  return { locals: [I32, I32, I32, I32, I32], body: b };
}

/* Parameters of the exported `addLeafValues`: byte addresses, row positions begin..end, and the two float32 leaf values. */
const L_ROW_INDEX_PTR = 0;
const L_BEGIN = 1;
const L_END = 2;
const L_COLUMN_PTR = 3;
const L_GOES_RIGHT_PTR = 4;
const L_MARGINS_PTR = 5;
const L_LEFT_VALUE = 6;
const L_RIGHT_VALUE = 7;
const LEAF_VALUE_PARAMS = [I32, I32, I32, I32, I32, I32, F32, F32] as const;

/**
 * Emits `addLeafValues`: for each row r of rowIndex[begin..end), margins[r] += rightValue when
 * goesRight[column[r]] is 1, else leftValue, as a float32 addition. The sums equal
 * Math.fround(margins[r] + value) in JavaScript.
 */
function buildAddLeafValues(): { locals: (typeof I32)[]; body: FunctionBody } {
  const position = 8;
  const address = 9;
  const b = new FunctionBody();
  b.get(L_BEGIN).i32(2).op(OP.i32Shl).get(L_ROW_INDEX_PTR).op(OP.i32Add).set(position);
  b.get(L_END).i32(2).op(OP.i32Shl).get(L_ROW_INDEX_PTR).op(OP.i32Add).set(L_END);
  b.block().loop();
  b.get(position).get(L_END).op(I32_GE_U).brIf(1);
  b.get(position).memory(OP.i32Load, 2).set(address);
  // Stack: the margin's address, then its value plus the value of the row's side.
  b.get(address).i32(2).op(OP.i32Shl).get(L_MARGINS_PTR).op(OP.i32Add);
  b.get(address).i32(2).op(OP.i32Shl).get(L_MARGINS_PTR).op(OP.i32Add).memory(OP.f32Load, 2);
  b.get(L_RIGHT_VALUE).get(L_LEFT_VALUE);
  b.get(address).i32(1).op(OP.i32Shl).get(L_COLUMN_PTR).op(OP.i32Add).memory(I32_LOAD16_U, 1);
  b.get(L_GOES_RIGHT_PTR).op(OP.i32Add).memory(I32_LOAD8_U, 0);
  b.op(SELECT).op(OP.f32Add).memory(OP.f32Store, 2);
  b.get(position).i32(4).op(OP.i32Add).set(position);
  b.br(0);
  b.end().end();
  return { locals: [I32, I32], body: b };
}

/**
 * Emits `sumPairs(rowIndexPtr, begin, end, gradPtr, outPtr)`: the (gradient, hessian) sums of the
 * rows rowIndex[begin..end), added one row at a time from +0 in row order and stored as an f64x2
 * at outPtr. Each lane adds separately, so the sums equal two scalar sums in that order.
 */
function buildSumPairs(): { locals: (typeof I32 | typeof V128)[]; body: FunctionBody } {
  const [rowIndexPtr, begin, end, gradPtr, outPtr, position, sum] = [0, 1, 2, 3, 4, 5, 6];
  const b = new FunctionBody();
  b.get(begin).i32(2).op(OP.i32Shl).get(rowIndexPtr).op(OP.i32Add).set(position);
  b.get(end).i32(2).op(OP.i32Shl).get(rowIndexPtr).op(OP.i32Add).set(end);
  b.zeroVector().set(sum);
  b.block().loop();
  b.get(position).get(end).op(I32_GE_U).brIf(1);
  b.get(sum);
  b.get(position).memory(OP.i32Load, 2).i32(4).op(OP.i32Shl).get(gradPtr).op(OP.i32Add).simdMemory(SIMD.v128Load, 3);
  b.simd(SIMD.f64x2Add).set(sum);
  b.get(position).i32(4).op(OP.i32Add).set(position);
  b.br(0);
  b.end().end();
  b.get(outPtr).get(sum).simdMemory(SIMD.v128Store, 3);
  return { locals: [I32, V128], body: b };
}

/**
 * Emits `interleave(gradPtr, hessPtr, pairsPtr, rows)`: widens the float32 gradient and hessian
 * of each row to float64 and stores them as the row's pair, gradient first.
 */
function buildInterleave(): { locals: (typeof I32)[]; body: FunctionBody } {
  const [gradPtr, hessPtr, pairsPtr, rows, offset] = [0, 1, 2, 3, 4];
  const b = new FunctionBody();
  // rows becomes the end of the float32 arrays, in bytes; offset counts float32 bytes.
  b.get(rows).i32(2).op(OP.i32Shl).set(rows);
  b.block().loop();
  b.get(offset).get(rows).op(I32_GE_U).brIf(1);
  b.get(offset).i32(2).op(OP.i32Shl).get(pairsPtr).op(OP.i32Add);
  b.get(offset).get(gradPtr).op(OP.i32Add).memory(OP.f32Load, 2).op(OP.f64PromoteF32).memory(OP.f64Store, 3);
  b.get(offset).i32(2).op(OP.i32Shl).get(pairsPtr).op(OP.i32Add);
  b.get(offset).get(hessPtr).op(OP.i32Add).memory(OP.f32Load, 2).op(OP.f64PromoteF32).memory(OP.f64Store, 3, 8);
  b.get(offset).i32(4).op(OP.i32Add).set(offset);
  b.br(0);
  b.end().end();
  return { locals: [I32], body: b };
}

/**
 * Emits `squaredError(marginsPtr, labelsPtr, pairsPtr, rows)`: the unweighted squared-error pair
 * of each row, gradient f32(margin − label) widened to float64 and hessian 1. That gradient
 * equals Math.fround(margin − label), what the JavaScript objective stores as a float32.
 */
function buildSquaredError(): { locals: (typeof I32)[]; body: FunctionBody } {
  const [marginsPtr, labelsPtr, pairsPtr, rows, offset] = [0, 1, 2, 3, 4];
  const b = new FunctionBody();
  // rows becomes the end of the float32 arrays, in bytes; offset counts float32 bytes.
  b.get(rows).i32(2).op(OP.i32Shl).set(rows);
  b.block().loop();
  b.get(offset).get(rows).op(I32_GE_U).brIf(1);
  b.get(offset).i32(2).op(OP.i32Shl).get(pairsPtr).op(OP.i32Add);
  b.get(offset).get(marginsPtr).op(OP.i32Add).memory(OP.f32Load, 2);
  b.get(offset).get(labelsPtr).op(OP.i32Add).memory(OP.f32Load, 2);
  b.op(OP.f32Sub).op(OP.f64PromoteF32).memory(OP.f64Store, 3);
  b.get(offset).i32(2).op(OP.i32Shl).get(pairsPtr).op(OP.i32Add).f64(1).memory(OP.f64Store, 3, 8);
  b.get(offset).i32(4).op(OP.i32Add).set(offset);
  b.br(0);
  b.end().end();
  return { locals: [I32], body: b };
}

type SquaredError = (marginsPtr: number, labelsPtr: number, pairsPtr: number, rows: number) => void;

type SumPairs = (rowIndexPtr: number, begin: number, end: number, gradPtr: number, outPtr: number) => void;
type Interleave = (gradPtr: number, hessPtr: number, pairsPtr: number, rows: number) => void;

type AddLeafValues = (rowIndexPtr: number, begin: number, end: number, columnPtr: number, goesRightPtr: number, marginsPtr: number, leftValue: number, rightValue: number) => void;

type Partition = (rowIndexPtr: number, begin: number, end: number, columnPtr: number, goesRightPtr: number, spillPtr: number) => number;

type Accumulate = (rowIndexPtr: number, begin: number, end: number, gradPtr: number, rowPtrPtr: number, binsPtr: number, histPtr: number) => void;

let compiled: object | null | undefined;

/** Compiles the module once; returns null where WebAssembly SIMD is not available. */
function module(): object | null {
  if (compiled === undefined) {
    const accumulate = buildAccumulate();
    const partition = buildPartition();
    const leafValues = buildAddLeafValues();
    const sumPairs = buildSumPairs();
    const interleave = buildInterleave();
    const squaredError = buildSquaredError();
    try {
      compiled = new wasm.Module(
        encodeModule([
          { name: 'accumulate', params: ACCUMULATE_PARAMS, results: [], locals: accumulate.locals, body: accumulate.body },
          { name: 'partition', params: PARTITION_PARAMS, results: [I32], locals: partition.locals, body: partition.body },
          { name: 'addLeafValues', params: LEAF_VALUE_PARAMS, results: [], locals: leafValues.locals, body: leafValues.body },
          { name: 'sumPairs', params: [I32, I32, I32, I32, I32], results: [], locals: sumPairs.locals, body: sumPairs.body },
          { name: 'interleave', params: [I32, I32, I32, I32], results: [], locals: interleave.locals, body: interleave.body },
          { name: 'squaredError', params: [I32, I32, I32, I32], results: [], locals: squaredError.locals, body: squaredError.body },
        ]),
      );
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Bytes of a 32-bit WebAssembly memory: 65,536 pages of 64 KiB. */
const MAX_MEMORY_BYTES = 2 ** 32;

/** Byte offsets of the kernels' arrays in memory, each 16-byte aligned. */
interface Layout {
  gradPtr: number;
  firstPtr: number;
  secondPtr: number;
  rowIndexPtr: number;
  rowPtrPtr: number;
  spillPtr: number;
  goesRightPtr: number;
  marginsPtr: number;
  /** Float32 gradients, hessians and labels, then the f64x2 output of sumPairs. */
  gradF32Ptr: number;
  hessF32Ptr: number;
  labelsPtr: number;
  sumPtr: number;
  columnsPtr: number;
  /** Stored bins, last: their count is known only after binning, so `rows × columns` are reserved. */
  binsPtr: number;
  totalBytes: number;
}

function layoutOf(rows: number, columns: number, totalBins: number, tableBytes: number): Layout {
  const histBytes = 16 * totalBins;
  const gradPtr = 0;
  const firstPtr = align16(16 * rows);
  const secondPtr = firstPtr + histBytes;
  const rowIndexPtr = secondPtr + histBytes;
  const rowPtrPtr = rowIndexPtr + align16(4 * rows);
  const spillPtr = rowPtrPtr + align16(4 * (rows + 1));
  const goesRightPtr = spillPtr + align16(4 * rows);
  const marginsPtr = goesRightPtr + align16(tableBytes);
  const gradF32Ptr = marginsPtr + align16(4 * rows);
  const hessF32Ptr = gradF32Ptr + align16(4 * rows);
  const labelsPtr = hessF32Ptr + align16(4 * rows);
  const sumPtr = labelsPtr + align16(4 * rows);
  const columnsPtr = sumPtr + 16;
  const binsPtr = columnsPtr + align16(2 * rows * columns);
  return { gradPtr, firstPtr, secondPtr, rowIndexPtr, rowPtrPtr, spillPtr, goesRightPtr, marginsPtr, gradF32Ptr, hessF32Ptr, labelsPtr, sumPtr, columnsPtr, binsPtr, totalBytes: binsPtr + 2 * rows * columns };
}

/**
 * Single-thread node kernels that run in WebAssembly. The binned matrix is built in the
 * instance's memory, and the gradient pairs, row index and margins that training writes live
 * there too (`gradPairs`, `rowIndex`, `margins`), so the kernels read them without copying.
 * Histograms are summed into scratch memory and copied to the job's buffer. Results equal
 * SerialKernels' bit for bit.
 */
export class WasmKernels implements NodeKernels {
  readonly gradPairs: Float64Array;
  readonly rowIndex: Int32Array;
  /** Training margins (float32) of every row, for addSplitLeafValues. */
  readonly margins: Float32Array;
  /** Float32 gradients and hessians, as the objectives write them, for interleaveGradients. */
  readonly grad: Float32Array;
  readonly hess: Float32Array;
  /** The binned training matrix, with rowPtr, entryBins and columnBins in the instance's memory. */
  readonly bins: BinnedMatrix;
  private readonly serial: SerialKernels;
  private readonly accumulate: Accumulate;
  private readonly partitionKernel: Partition;
  private readonly addLeafValues: AddLeafValues;
  private readonly sumPairsKernel: SumPairs;
  private readonly interleave: Interleave;
  private readonly squaredError: SquaredError;
  private readonly labels: Float32Array;
  /** The labels array last copied into `labels`. */
  private labelsSource: Float32Array | null = null;
  private readonly pairSum: Float64Array;
  private readonly firstHalf: Float64Array;
  private readonly secondHalf: Float64Array;
  private readonly spill: Int32Array;
  private readonly goesRight: Uint8Array;
  private readonly at: Layout;

  private constructor(compiledModule: object, at: Layout, tableBytes: number, matrix: Float32Array, rows: number, columns: number, cuts: HistogramCuts) {
    const instance = new wasm.Instance(compiledModule, {});
    this.accumulate = instance.exports.accumulate as Accumulate;
    this.partitionKernel = instance.exports.partition as Partition;
    this.addLeafValues = instance.exports.addLeafValues as AddLeafValues;
    this.sumPairsKernel = instance.exports.sumPairs as SumPairs;
    this.interleave = instance.exports.interleave as Interleave;
    this.squaredError = instance.exports.squaredError as SquaredError;
    const memory = instance.exports.memory as WasmMemory;
    this.at = at;
    // Growing memory detaches earlier views, so it grows once, before any view is taken. Pages
    // of the reserved stored-bin space that binning never writes stay unused virtual memory.
    ensureMemory(memory, at.totalBytes, 'GBDT node kernels');

    const buffer = memory.buffer;
    const storage: BinStorage = {
      binArray: (part, length) => new Uint16Array(buffer, part === 'columnBins' ? at.columnsPtr : at.binsPtr, length),
      rowPtr: (length) => new Int32Array(buffer, at.rowPtrPtr, length),
    };
    this.bins = buildBinnedMatrix(matrix, rows, columns, cuts, storage);
    this.serial = new SerialKernels(this.bins);
    const { totalBins } = this.bins;
    this.gradPairs = new Float64Array(buffer, at.gradPtr, 2 * rows);
    this.firstHalf = new Float64Array(buffer, at.firstPtr, 2 * totalBins);
    this.secondHalf = new Float64Array(buffer, at.secondPtr, 2 * totalBins);
    this.rowIndex = new Int32Array(buffer, at.rowIndexPtr, rows);
    this.spill = new Int32Array(buffer, at.spillPtr, rows);
    this.goesRight = new Uint8Array(buffer, at.goesRightPtr, tableBytes);
    this.margins = new Float32Array(buffer, at.marginsPtr, rows);
    this.grad = new Float32Array(buffer, at.gradF32Ptr, rows);
    this.hess = new Float32Array(buffer, at.hessF32Ptr, rows);
    this.pairSum = new Float64Array(buffer, at.sumPtr, 2);
    this.labels = new Float32Array(buffer, at.labelsPtr, rows);
  }

  /**
   * Bins a row-major matrix (shape [rows, columns], NaN = missing) into new kernels' memory.
   * Returns null when bin ids need more than 16 bits, the arrays would pass the 4 GiB memory
   * limit or cannot be reserved, or WebAssembly SIMD is missing.
   */
  static create(matrix: Float32Array, rows: number, columns: number, cuts: HistogramCuts): WasmKernels | null {
    const compiledModule = module();
    const binStart = binStartOf(cuts, columns);
    let tableBytes = 0;
    for (let f = 0; f < columns; f++) tableBytes = Math.max(tableBytes, binStart[f + 1] - binStart[f]);
    const at = layoutOf(rows, columns, binStart[columns], tableBytes);
    if (compiledModule === null || binStart[columns] > 65_536 || at.totalBytes > MAX_MEMORY_BYTES - PAGE_BYTES) return null;
    try {
      return new WasmKernels(compiledModule, at, tableBytes, matrix, rows, columns, cuts);
    } catch (error) {
      // Memory.grow raises a RangeError when the process cannot reserve the memory.
      if (error instanceof RangeError) return null;
      throw error;
    }
  }

  build(rowIndex: Int32Array, gradPairs: Float64Array, jobs: readonly HistogramJob[], onBuilt?: (k: number) => void): void {
    if (rowIndex !== this.rowIndex || gradPairs !== this.gradPairs) {
      this.serial.build(rowIndex, gradPairs, jobs, onBuilt);
      return;
    }
    jobs.forEach(({ begin, end, hist }, k) => {
      this.firstHalf.fill(0);
      if (end - begin < SPLIT_MIN_ROWS) {
        this.sum(begin, end, this.at.firstPtr);
      } else {
        // The same halves and order of addition as SerialKernels, so the sums are the same doubles.
        const middle = (begin + end) >>> 1;
        this.sum(begin, middle, this.at.firstPtr);
        this.secondHalf.fill(0);
        this.sum(middle, end, this.at.secondPtr);
        const first = this.firstHalf;
        const second = this.secondHalf;
        for (let i = 0; i < first.length; i++) first[i] += second[i];
      }
      // Both sums start from +0 and add the same values in the same order, so copying equals adding into the zeroed hist.
      hist.set(this.firstHalf);
      onBuilt?.(k);
    });
  }

  partition(rowIndex: Int32Array, jobs: readonly PartitionJob[]): number[] {
    if (rowIndex !== this.rowIndex) return this.serial.partition(rowIndex, jobs);
    const { rows } = this.bins;
    return jobs.map(({ begin, end, feature, leftMaxBin, defaultLeft }) => {
      fillGoesRight(this.goesRight, this.bins, feature, leftMaxBin, defaultLeft);
      const left = this.partitionKernel(this.at.rowIndexPtr, begin, end, this.at.columnsPtr + 2 * feature * rows, this.at.goesRightPtr, this.at.spillPtr);
      this.rowIndex.set(this.spill.subarray(0, end - begin - left), begin + left);
      return begin + left;
    });
  }

  addSplitLeafValues(rowIndex: Int32Array, margins: Float32Array, job: PartitionJob, leftValue: number, rightValue: number): boolean {
    if (rowIndex !== this.rowIndex || margins !== this.margins) return false;
    const { begin, end, feature, leftMaxBin, defaultLeft } = job;
    fillGoesRight(this.goesRight, this.bins, feature, leftMaxBin, defaultLeft);
    this.addLeafValues(this.at.rowIndexPtr, begin, end, this.at.columnsPtr + 2 * feature * this.bins.rows, this.at.goesRightPtr, this.at.marginsPtr, leftValue, rightValue);
    return true;
  }

  sumGradPairs(rowIndex: Int32Array, gradPairs: Float64Array, begin: number, end: number): Float64Array | null {
    if (rowIndex !== this.rowIndex || gradPairs !== this.gradPairs) return null;
    this.sumPairsKernel(this.at.rowIndexPtr, begin, end, this.at.gradPtr, this.at.sumPtr);
    return this.pairSum;
  }

  /** Copies `grad` and `hess` into `gradPairs` as interleaved float64 pairs; returns false, doing nothing, unless all three are this instance's. */
  interleaveGradients(grad: Float32Array, hess: Float32Array, gradPairs: Float64Array): boolean {
    if (grad !== this.grad || hess !== this.hess || gradPairs !== this.gradPairs) return false;
    this.interleave(this.at.gradF32Ptr, this.at.hessF32Ptr, this.at.gradPtr, this.grad.length);
    return true;
  }

  /**
   * Writes the unweighted squared-error gradient pairs at `margins` into `gradPairs`, as
   * computeGradients and interleaveGradients would. Returns false, doing nothing, unless margins
   * and gradPairs are this instance's and `labels` has one value per row.
   */
  squaredErrorGradients(margins: Float32Array, labels: Float32Array, gradPairs: Float64Array): boolean {
    if (margins !== this.margins || gradPairs !== this.gradPairs || labels.length !== this.labels.length) return false;
    if (labels !== this.labelsSource) {
      this.labels.set(labels);
      this.labelsSource = labels;
    }
    this.squaredError(this.at.marginsPtr, this.at.labelsPtr, this.at.gradPtr, this.labels.length);
    return true;
  }

  async close(): Promise<void> {}

  private sum(begin: number, end: number, histPtr: number): void {
    this.accumulate(this.at.rowIndexPtr, begin, end, this.at.gradPtr, this.at.rowPtrPtr, this.at.binsPtr, histPtr);
  }
}
