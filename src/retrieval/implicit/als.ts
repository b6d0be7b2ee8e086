import { TwostageError } from '../../errors.js';
import { startProgress } from '../../progress.js';
import { allocFloat32, csrNnz, transposeCsr, type CsrMatrix } from './csr.js';
import { alsLoss, finishGram } from './als-kernel.js';
import { choleskyInPlace } from './cholesky.js';
import { defaultThreads, releaseContext, runTasks, startWorkers } from './parallel.js';
import { createRng } from './rng.js';
import { gramPartials, nextContextId, type AlsContext, type AlsRowsTask, type AlsSide } from './tasks.js';

/** Hyperparameters of implicit ALS; the defaults are the ones tuned on MovieLens 100k. */
export interface AlsOptions {
  /** Latent factors f (default 64). */
  factors?: number;
  /** L2 penalty `reg` on every factor vector, not scaled by counts (default 0.01). */
  regularization?: number;
  /**
   * Confidence of an observed pair per unit of its value: c_ui = alpha * value, while unobserved
   * pairs have confidence 1 (default 2). This is the `alpha` of the `implicit` library; in the
   * 1 + alpha * r form of Hu et al. the same model has alpha' = alpha - 1 for binary values.
   */
  alpha?: number;
  /** ALS sweeps, each a user half-step then an item half-step (default 15). */
  iterations?: number;
  /** Conjugate-gradient steps per row and half-step (default 3). */
  cgSteps?: number;
  /**
   * Rows (users or items) with at most this many entries are solved exactly instead of by CG
   * steps, in half-steps where such rows are at least as many as the rows of the other side
   * (see useExactRows). Default floor(sqrt(factors)); 0 turns it off.
   */
  exactRowLimit?: number;
  /** Seed of the initial factors (default 0). */
  seed?: number;
  /** Threads, the calling one included (default: every available core). */
  threads?: number;
  /** Computes the training loss after every sweep (costs about one half-step each). */
  computeLoss?: boolean;
  /** Forces log-line progress even on a terminal (tests, --json runs). */
  quiet?: boolean;
}

export interface AlsResult {
  /** User factors, row-major [users, factors]. */
  readonly userFactors: Float32Array;
  /** Item factors, row-major [items, factors]. */
  readonly itemFactors: Float32Array;
  readonly factors: number;
  /** Training loss after each sweep (see alsLoss), when `computeLoss` was set. */
  readonly losses: readonly number[];
  readonly options: Readonly<Required<Omit<AlsOptions, 'threads' | 'computeLoss' | 'quiet'>>>;
}

/**
 * Trains implicit ALS on a users x items matrix of positive values (see buildUserItemMatrix).
 * Factors start uniform in [0, 0.01) from the seed; each sweep solves every user with the items
 * fixed, then every item with the users fixed. Rows are independent within a half-step, so the
 * result is the same for every thread count.
 */
export async function trainAls(matrix: CsrMatrix, options: AlsOptions = {}): Promise<AlsResult> {
  const resolved = resolveAlsOptions(options);
  const threads = options.threads ?? defaultThreads();
  validateMatrix(matrix);
  startWorkers(threads);
  const f = resolved.factors;

  // Everything the workers touch lives on SharedArrayBuffers.
  const shared = { shared: true };
  const cui = scaleToConfidence(matrix, resolved.alpha);
  const ciu = transposeCsr(cui, shared);
  const userFactors = allocFloat32(matrix.rows * f, shared);
  const itemFactors = allocFloat32(matrix.cols * f, shared);
  const rng = createRng(resolved.seed);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = rng.nextFloat() * 0.01;
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = rng.nextFloat() * 0.01;

  const gram = new Float64Array(new SharedArrayBuffer(f * f * 8));
  const context: AlsContext = {
    id: nextContextId(),
    sides: [alsSide(cui, f, resolved.exactRowLimit, matrix.cols), alsSide(ciu, f, resolved.exactRowLimit, matrix.rows)],
    userFactors,
    itemFactors,
    gram,
    factors: f,
    cgSteps: resolved.cgSteps,
  };
  const [users, items] = context.sides;
  // The item Gram matrix of the first half-step; later ones come from the row tasks.
  gramPartials(itemFactors, items.chunks, f, items.partials);
  const losses: number[] = [];
  const progress = startProgress({ label: 'als', total: resolved.iterations, unit: 'iterations', quiet: options.quiet });
  try {
    for (let iteration = 0; iteration < resolved.iterations; iteration++) {
      sumGram(items.partials, f, resolved.regularization, gram);
      await runTasks(halfStepTasks(context, 0, threads), threads);
      sumGram(users.partials, f, resolved.regularization, gram);
      await runTasks(halfStepTasks(context, 1, threads), threads);
      if (options.computeLoss) losses.push(alsLoss(cui, userFactors, itemFactors, matrix.cols, f, resolved.regularization));
      progress.update(iteration + 1);
    }
  } finally {
    releaseContext(context);
  }
  progress.finish();
  return { userFactors, itemFactors, factors: f, losses, options: resolved };
}

export function resolveAlsOptions(options: AlsOptions): Required<Omit<AlsOptions, 'threads' | 'computeLoss' | 'quiet'>> {
  const resolved = {
    factors: options.factors ?? 64,
    regularization: options.regularization ?? 0.01,
    alpha: options.alpha ?? 2,
    iterations: options.iterations ?? 15,
    cgSteps: options.cgSteps ?? 3,
    exactRowLimit: options.exactRowLimit ?? Math.floor(Math.sqrt(options.factors ?? 64)),
    seed: options.seed ?? 0,
  };
  requireInteger('factors', resolved.factors, 1);
  requireInteger('iterations', resolved.iterations, 0);
  requireInteger('cgSteps', resolved.cgSteps, 1);
  requireInteger('exactRowLimit', resolved.exactRowLimit, 0);
  requireInteger('seed', resolved.seed, 0);
  if (!(resolved.regularization >= 0) || !Number.isFinite(resolved.regularization)) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `ALS regularization must be a finite number >= 0, got ${resolved.regularization}`);
  }
  if (!(resolved.alpha > 0) || !Number.isFinite(resolved.alpha)) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `ALS alpha must be a finite number > 0, got ${resolved.alpha}`);
  }
  if (options.threads !== undefined) requireInteger('threads', options.threads, 1);
  return resolved;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `ALS ${name} must be an integer >= ${min}, got ${value}`);
  }
}

function validateMatrix(matrix: CsrMatrix): void {
  if (matrix.rows === 0 || matrix.cols === 0 || csrNnz(matrix) === 0) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `ALS needs at least one interaction, got a ${matrix.rows} x ${matrix.cols} matrix with ${csrNnz(matrix)} entries`);
  }
  for (let k = 0; k < csrNnz(matrix); k++) {
    if (!(matrix.data[k] > 0)) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `ALS needs positive matrix values, got ${matrix.data[k]} at entry ${k}`);
    }
  }
}

/** Copies the matrix onto shared memory with each value multiplied by alpha. */
function scaleToConfidence(matrix: CsrMatrix, alpha: number): CsrMatrix {
  const nnz = csrNnz(matrix);
  const indptr = new Int32Array(new SharedArrayBuffer((matrix.rows + 1) * 4));
  const indices = new Int32Array(new SharedArrayBuffer(nnz * 4));
  const data = allocFloat32(nnz, { shared: true });
  indptr.set(matrix.indptr);
  indices.set(matrix.indices.subarray(0, nnz));
  for (let k = 0; k < nnz; k++) data[k] = alpha * matrix.data[k];
  return { rows: matrix.rows, cols: matrix.cols, indptr, indices, data };
}

/**
 * Row chunks per half-step. The count is fixed, not taken from the thread count. Each chunk also
 * sums the Gram matrix of its updated rows and the chunks' sums are added in chunk order, so the
 * rounding, and hence the factors, are the same for every thread count. Threads take chunks from
 * a shared counter, so a thread slowed by other load takes fewer.
 */
const ROW_CHUNKS = 16;

/**
 * Splits rows into ROW_CHUNKS contiguous chunks of about equal work (8 f per stored entry plus
 * 4 f^2 per row for three CG steps). Returns the bounds, shape [chunks + 1].
 */
export function splitRows(m: CsrMatrix, f: number, chunkCount = ROW_CHUNKS): Int32Array {
  const rowCost = (r: number): number => 8 * f * (m.indptr[r + 1] - m.indptr[r]) + 4 * f * f;
  let total = 0;
  for (let r = 0; r < m.rows; r++) total += rowCost(r);
  const bounds = new Int32Array(new SharedArrayBuffer((chunkCount + 1) * 4));
  let chunk = 1;
  let acc = 0;
  for (let r = 0; r < m.rows && chunk < chunkCount; r++) {
    acc += rowCost(r);
    if (acc >= (total * chunk) / chunkCount) bounds[chunk++] = r + 1;
  }
  // Chunks past the last row (fewer rows than chunks) are empty.
  for (; chunk <= chunkCount; chunk++) bounds[chunk] = m.rows;
  return bounds;
}

/** Builds one side's matrix, row chunks, Gram partial sums and exact-row settings (see AlsSide). */
function alsSide(m: CsrMatrix, f: number, exactRowLimit: number, yRows: number): AlsSide {
  const chunks = splitRows(m, f);
  return {
    indptr: m.indptr,
    indices: m.indices,
    data: m.data,
    rows: m.rows,
    cols: m.cols,
    chunks,
    next: new Int32Array(new SharedArrayBuffer(4)),
    partials: new Float64Array(new SharedArrayBuffer((chunks.length - 1) * f * f * 8)),
    gramFactor: new Float64Array(new SharedArrayBuffer(f * f * 8)),
    smallRowLimit: useExactRows(m, yRows, exactRowLimit),
  };
}

/** Writes G = Σ partials + reg I, summing the chunks in chunk order. */
function sumGram(partials: Float64Array, f: number, reg: number, gram: Float64Array): void {
  const chunks = partials.length / (f * f);
  gram.fill(0);
  for (let c = 0; c < chunks; c++) {
    for (let k = 0; k < f * f; k++) gram[k] += partials[c * f * f + k];
  }
  finishGram(gram, f, reg);
}

/**
 * Returns the exact-row limit for a half-step, or 0 for none. An exact row needs z_i = G^-1 y_i
 * (2 f^2 operations, cached for the half-step) for each of its Y rows, which pays off only when
 * short rows are at least as many as the rows of Y. This rule is an estimate of where the
 * exact path is cheaper, not a measured optimum.
 */
export function useExactRows(m: CsrMatrix, yRows: number, limit: number): number {
  if (limit === 0) return 0;
  let shortRows = 0;
  for (let r = 0; r < m.rows; r++) {
    const n = m.indptr[r + 1] - m.indptr[r];
    if (n > 0 && n <= limit) shortRows++;
  }
  return shortRows >= yRows ? limit : 0;
}

let halfStepCount = 0;

/**
 * Builds one task per thread for the half-step that updates `side` (see AlsRowsTask), all taking
 * chunks from the side's counter. Writes the Cholesky factor of G first when the side uses exact
 * rows.
 */
function halfStepTasks(context: AlsContext, side: 0 | 1, threads: number): AlsRowsTask[] {
  const f = context.factors;
  const { gramFactor, smallRowLimit, next } = context.sides[side];
  halfStepCount++;
  let exactRows = false;
  if (smallRowLimit > 0) {
    gramFactor.set(context.gram);
    exactRows = choleskyInPlace(gramFactor, f);
  }
  Atomics.store(next, 0, 0);
  const task: AlsRowsTask = { op: 'als-rows', context, side, exactRows, generation: halfStepCount };
  return new Array<AlsRowsTask>(Math.max(1, threads)).fill(task);
}
