import { addGramRows, alsCgRows, createCgScratch, finishGram, type CgScratch } from './als-kernel.js';
import { createSmallRowSolver, type SmallRowSolver } from './als-small-rows.js';
import { AlsWasmRows, gramRowsWasm } from './als-wasm.js';
import { alsCgRowsWasm } from './als-wasm-rows.js';
import { bprStratum } from './bpr-kernel.js';

/**
 * Units of work the trainers hand to threads. Every array is a view on a SharedArrayBuffer, so a
 * task posted to a worker reads and writes the trainer's own memory. Each task writes a disjoint
 * part of the output (its own rows for ALS, its own user and item blocks for BPR), so the result
 * does not depend on which thread runs which task or in what order.
 */
export type ParallelTask = AlsRowsTask | BprStratumTask;

/**
 * Updates the rows of `x` by conjugate gradient (see alsCgRows), chunk by chunk: the thread
 * takes the next chunk from `next` until none is left, and after updating a chunk writes the
 * Gram matrix of its new rows into that chunk's slice of `partials` (see addGramRows).
 */
export interface AlsRowsTask {
  readonly op: 'als-rows';
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly gram: Float64Array;
  readonly factors: number;
  readonly cgSteps: number;
  /** Row bounds of the chunks, shape [chunks + 1]. */
  readonly chunks: Int32Array;
  /** Shared counter of the next chunk to take. */
  readonly next: Int32Array;
  /** Gram matrix of each chunk's updated rows, shape [chunks, f, f]. */
  readonly partials: Float64Array;
  /** Cholesky factor of `gram` for the exact small-row solve, or null to use CG for every row. */
  readonly gramFactor: Float64Array | null;
  /** Rows with at most this many entries are solved exactly when `gramFactor` is given. */
  readonly smallRowLimit: number;
  /** Half-step id: a thread's copies of G and Y and its cache of G^-1 y_i rows are valid only within one half-step. */
  readonly generation: number;
}

/** Runs the SGD samples of one BPR stratum (see bprStratum). */
export interface BprStratumTask {
  readonly op: 'bpr-stratum';
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly positivesUser: Int32Array;
  readonly positivesItem: Int32Array;
  readonly positivesStart: number;
  readonly positivesEnd: number;
  readonly negatives: Int32Array;
  readonly negativesStart: number;
  readonly negativesEnd: number;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly width: number;
  readonly learningRate: number;
  readonly regularization: number;
  readonly seed: number;
  readonly stream: number;
}

/** Counters a task returns; BPR reports correctly ordered and skipped samples. */
export interface TaskResult {
  readonly correct: number;
  readonly skipped: number;
}

const scratchByFactors = new Map<number, CgScratch>();
let smallRows: { generation: number; solver: SmallRowSolver } | null = null;
let engine: AlsWasmRows | null | undefined;

/**
 * This thread's WebAssembly engine, or null where WebAssembly SIMD is unavailable (then every
 * thread of the process uses the JavaScript kernel, so results still agree across threads).
 */
function wasmEngine(): AlsWasmRows | null {
  if (engine === undefined) {
    try {
      engine = new AlsWasmRows();
    } catch {
      engine = null;
    }
  }
  return engine;
}

function smallRowSolverFor(task: AlsRowsTask): SmallRowSolver | null {
  if (task.gramFactor === null || task.smallRowLimit < 1) return null;
  if (smallRows === null || smallRows.generation !== task.generation) {
    smallRows = { generation: task.generation, solver: createSmallRowSolver(task.gramFactor, task.smallRowLimit, task.y.length / task.factors, task.factors) };
  }
  return smallRows.solver;
}

/** Writes Y^T Y of each chunk of rows of `y` into its slice of `partials`, on the calling thread. */
export function gramPartials(y: Float32Array, chunks: Int32Array, f: number, partials: Float64Array): void {
  const engine = wasmEngine();
  for (let c = 0; c + 1 < chunks.length; c++) writeGram(engine, y, chunks[c], chunks[c + 1], f, partials, c * f * f);
}

function writeGram(engine: AlsWasmRows | null, y: Float32Array, rowStart: number, rowEnd: number, f: number, out: Float64Array, offset: number): void {
  if (engine !== null) {
    gramRowsWasm(engine, y, rowStart, rowEnd, f, out, offset);
    return;
  }
  out.fill(0, offset, offset + f * f);
  addGramRows(y, rowStart, rowEnd, f, out, offset);
  finishGram(out.subarray(offset, offset + f * f), f, 0);
}

/** Runs one task on the calling thread. */
export function runTask(task: ParallelTask): TaskResult {
  if (task.op === 'als-rows') {
    runAlsRows(task);
    return { correct: 0, skipped: 0 };
  }
  return bprStratum(task);
}

function runAlsRows(task: AlsRowsTask): void {
  const f = task.factors;
  const matrix = { rows: task.rows, cols: task.cols, indptr: task.indptr, indices: task.indices, data: task.data };
  const engine = wasmEngine();
  const small = smallRowSolverFor(task);
  const chunkCount = task.chunks.length - 1;
  for (let c = Atomics.add(task.next, 0, 1); c < chunkCount; c = Atomics.add(task.next, 0, 1)) {
    const rowStart = task.chunks[c];
    const rowEnd = task.chunks[c + 1];
    const offset = c * f * f;
    if (engine !== null) {
      alsCgRowsWasm(matrix, task.x, task.y, task.gram, f, task.cgSteps, rowStart, rowEnd, engine, task.generation, small, task.partials, offset);
      continue;
    }
    let scratch = scratchByFactors.get(f);
    if (scratch === undefined) {
      scratch = createCgScratch(f);
      scratchByFactors.set(f, scratch);
    }
    alsCgRows(matrix, task.x, task.y, task.gram, f, task.cgSteps, rowStart, rowEnd, scratch, small);
    writeGram(null, task.x, rowStart, rowEnd, f, task.partials, offset);
  }
}
