import { addGramRows, alsCgRows, createCgScratch, finishGram, type CgScratch } from './als-kernel.js';
import { createSmallRowSolver, type SmallRowSolver } from './als-small-rows.js';
import { AlsWasmRows, gramRowsWasm } from './als-wasm.js';
import { alsCgRowsWasm } from './als-wasm-rows.js';
import { bprStratum } from './bpr-kernel.js';
import { BprWasm } from './bpr-wasm.js';

/**
 * Units of work the trainers hand to threads. Every array is a view on a SharedArrayBuffer, so a
 * task posted to a worker reads and writes the trainer's own memory. Each task writes a disjoint
 * part of the output (its own rows for ALS, its own user and item blocks for BPR), so the result
 * does not depend on which thread runs which task or in what order.
 */
export type ParallelTask = AlsRowsTask | BprStratumTask;

/**
 * Arrays a trainer shares with the threads for a whole run. A worker receives a context once,
 * and later tasks name it by `id` (see parallel.ts).
 */
export interface TaskContext {
  /** Unique within the process (see nextContextId). */
  readonly id: number;
}

/** Messages from the pool to a worker. */
export type WorkerMessage =
  | { readonly kind: 'context'; readonly context: TaskContext }
  | { readonly kind: 'release'; readonly id: number }
  | { readonly kind: 'task'; readonly task: ParallelTask; readonly contextId?: number };

let contextCount = 0;

/** Returns a fresh context id. */
export function nextContextId(): number {
  contextCount++;
  return contextCount;
}

/** One side of ALS: the matrix whose rows a half-step updates, with its row chunks and Gram partial sums. */
export interface AlsSide {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Row bounds of the chunks, shape [chunks + 1]. */
  readonly chunks: Int32Array;
  /** Shared counter of the next chunk to take. */
  readonly next: Int32Array;
  /** Gram matrix of each chunk's updated rows, shape [chunks, f, f]. */
  readonly partials: Float64Array;
  /** Cholesky factor of the half-step's G (lower triangle, [f, f]), rewritten before each half-step that uses exact rows. */
  readonly gramFactor: Float64Array;
  /** Rows with at most this many entries are solved exactly (see solveSmallRow); 0 for none. */
  readonly smallRowLimit: number;
}

/** Everything an ALS run shares with the threads. */
export interface AlsContext extends TaskContext {
  /** Users (rows of the user x item matrix), then items. */
  readonly sides: readonly [AlsSide, AlsSide];
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  /** G = Y^T Y + reg I of the current half-step, [f, f]. */
  readonly gram: Float64Array;
  readonly factors: number;
  readonly cgSteps: number;
}

/**
 * Updates the rows of one side by conjugate gradient (see alsCgRows), chunk by chunk: the thread
 * takes the next chunk from the side's counter until none is left, and after updating a chunk
 * writes the Gram matrix of its new rows into that chunk's slice of the partial sums.
 */
export interface AlsRowsTask {
  readonly op: 'als-rows';
  /** Set by the trainer; undefined only while the task travels to a worker that holds it. */
  readonly context?: AlsContext;
  /** 0: update the users against the items; 1: the items against the users. */
  readonly side: 0 | 1;
  /** Whether the side's gramFactor is valid for this half-step (exact short rows on). */
  readonly exactRows: boolean;
  /** Half-step id: a thread's copies of G and Y and its cache of G^-1 y_i rows are valid only within one half-step. */
  readonly generation: number;
}

/** Everything a BPR run shares with the threads; the strata buffers are refilled before each round. */
export interface BprContext extends TaskContext {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly positivesUser: Int32Array;
  readonly positivesItem: Int32Array;
  readonly negatives: Int32Array;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
}

/** Runs the SGD samples of one BPR stratum (see bprStratum). */
export interface BprStratumTask {
  readonly op: 'bpr-stratum';
  /** Set by the trainer; undefined only while the task travels to a worker that holds it. */
  readonly context?: BprContext;
  readonly positivesStart: number;
  readonly positivesEnd: number;
  readonly negativesStart: number;
  readonly negativesEnd: number;
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

let bprWasm: BprWasm | null | undefined;

/** This thread's BPR WebAssembly engine, or null where WebAssembly SIMD is unavailable (see wasmEngine). */
function bprEngine(): BprWasm | null {
  if (bprWasm === undefined) {
    try {
      bprWasm = new BprWasm();
    } catch {
      bprWasm = null;
    }
  }
  return bprWasm;
}

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

function smallRowSolverFor(side: AlsSide, task: AlsRowsTask, yRows: number, f: number): SmallRowSolver | null {
  if (!task.exactRows || side.smallRowLimit < 1) return null;
  if (smallRows === null || smallRows.generation !== task.generation) {
    smallRows = { generation: task.generation, solver: createSmallRowSolver(side.gramFactor, side.smallRowLimit, yRows, f) };
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
  return bprStratum(task, bprEngine());
}

function runAlsRows(task: AlsRowsTask): void {
  const context = task.context;
  if (context === undefined) throw new Error('ALS task without its context');
  const f = context.factors;
  const side = context.sides[task.side];
  const x = task.side === 0 ? context.userFactors : context.itemFactors;
  const y = task.side === 0 ? context.itemFactors : context.userFactors;
  const engine = wasmEngine();
  const small = smallRowSolverFor(side, task, y.length / f, f);
  const chunkCount = side.chunks.length - 1;
  for (let c = Atomics.add(side.next, 0, 1); c < chunkCount; c = Atomics.add(side.next, 0, 1)) {
    const rowStart = side.chunks[c];
    const rowEnd = side.chunks[c + 1];
    const offset = c * f * f;
    if (engine !== null) {
      alsCgRowsWasm(side, x, y, context.gram, f, context.cgSteps, rowStart, rowEnd, engine, task.generation, small, side.partials, offset);
      continue;
    }
    let scratch = scratchByFactors.get(f);
    if (scratch === undefined) {
      scratch = createCgScratch(f);
      scratchByFactors.set(f, scratch);
    }
    alsCgRows(side, x, y, context.gram, f, context.cgSteps, rowStart, rowEnd, scratch, small);
    writeGram(null, x, rowStart, rowEnd, f, side.partials, offset);
  }
}
