import { addGramRows, alsCgRows, createCgScratch, type CgScratch } from './als-kernel.js';
import { createSmallRowSolver, type SmallRowSolver } from './als-small-rows.js';
import { AlsWasmRows, GramWasm } from './als-wasm.js';
import { alsCgRowsWasm } from './als-wasm-rows.js';
import { bprStratum } from './bpr-kernel.js';

/**
 * Units of work the trainers hand to threads. Every array is a view on a SharedArrayBuffer, so a
 * task posted to a worker reads and writes the trainer's own memory. Each task writes a disjoint
 * part of the output (its own rows for ALS, its own user and item blocks for BPR), so the result
 * does not depend on which thread runs which task or in what order.
 */
export type ParallelTask = AlsRowsTask | GramRowsTask | BprStratumTask;

/** Updates rows [rowStart, rowEnd) of `x` by conjugate gradient (see alsCgRows). */
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
  readonly rowStart: number;
  readonly rowEnd: number;
  /** Cholesky factor of `gram` for the exact small-row solve, or null to use CG for every row. */
  readonly gramFactor: Float64Array | null;
  /** Rows with at most this many entries are solved exactly when `gramFactor` is given. */
  readonly smallRowLimit: number;
  /** Half-step id: a thread's cache of G^-1 y_i rows is valid only within one half-step. */
  readonly generation: number;
}

/** Adds Y^T Y over rows [rowStart, rowEnd) into its own slice of `partials` (see addGramRows). */
export interface GramRowsTask {
  readonly op: 'gram-rows';
  readonly y: Float32Array;
  readonly factors: number;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly partials: Float64Array;
  readonly offset: number;
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
let gramWasm: GramWasm | null | undefined;

function gramEngine(): GramWasm | null {
  if (gramWasm === undefined) {
    try {
      gramWasm = new GramWasm();
    } catch {
      gramWasm = null;
    }
  }
  return gramWasm;
}

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

/** Runs one task on the calling thread. */
export function runTask(task: ParallelTask): TaskResult {
  if (task.op === 'als-rows') {
    let scratch = scratchByFactors.get(task.factors);
    if (scratch === undefined) {
      scratch = createCgScratch(task.factors);
      scratchByFactors.set(task.factors, scratch);
    }
    const matrix = { rows: task.rows, cols: task.cols, indptr: task.indptr, indices: task.indices, data: task.data };
    const engine = wasmEngine();
    if (engine !== null) {
      alsCgRowsWasm(matrix, task.x, task.y, task.gram, task.factors, task.cgSteps, task.rowStart, task.rowEnd, engine, task.generation, smallRowSolverFor(task));
    } else {
      alsCgRows(matrix, task.x, task.y, task.gram, task.factors, task.cgSteps, task.rowStart, task.rowEnd, scratch, smallRowSolverFor(task));
    }
    return { correct: 0, skipped: 0 };
  }
  if (task.op === 'gram-rows') {
    const gram = gramEngine();
    if (gram !== null) {
      gram.addRows(task.y, task.rowStart, task.rowEnd, task.factors, task.partials, task.offset);
    } else {
      task.partials.fill(0, task.offset, task.offset + task.factors * task.factors);
      addGramRows(task.y, task.rowStart, task.rowEnd, task.factors, task.partials, task.offset);
    }
    return { correct: 0, skipped: 0 };
  }
  return bprStratum(task);
}
