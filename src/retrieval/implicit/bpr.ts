import { TwostageError } from '../../errors.js';
import { startProgress } from '../../progress.js';
import { allocFloat32, csrNnz, type CsrMatrix } from './csr.js';
import { defaultThreads, releaseContext, runTasks, startWorkers } from './parallel.js';
import { createRng, type Rng } from './rng.js';
import { nextContextId, type BprContext, type BprStratumTask } from './tasks.js';

/** Hyperparameters of BPR; defaults follow the `implicit` library (0.7) except `factors`. */
export interface BprOptions {
  /** Latent factors f (default 64); stored rows have f + 1 columns (see bprStratum). */
  factors?: number;
  /** SGD step size (default 0.01). */
  learningRate?: number;
  /** L2 penalty per update (default 0.01). */
  regularization?: number;
  /** Epochs; each draws as many samples as there are stored pairs (default 100). */
  iterations?: number;
  /**
   * Users and items are dealt into this many blocks each epoch, and the epoch runs `blocks`
   * rounds in which block b of the users trains only against item block (b + round) mod blocks.
   * Blocks of one round share no user or item, so they run in parallel and the result is the
   * same for every thread count. 1 is plain sequential SGD (default 2).
   */
  blocks?: number;
  /** Seed of the initial factors, the block assignment and the sampling (default 0). */
  seed?: number;
  /** Threads, the calling one included (default: every available core); results do not depend on it. */
  threads?: number;
  /** Forces log-line progress even on a terminal (tests, --json runs). */
  quiet?: boolean;
}

export interface BprResult {
  /** User factors, row-major [users, factors + 1]; the last column is 1 (0 for users with no pairs). */
  readonly userFactors: Float32Array;
  /** Item factors, row-major [items, factors + 1]; the last column is the item bias. */
  readonly itemFactors: Float32Array;
  /** Row width: factors + 1. */
  readonly width: number;
  /** Share of non-skipped samples already ordered correctly, per epoch (a training AUC estimate). */
  readonly trainAuc: readonly number[];
  readonly options: Readonly<Required<Omit<BprOptions, 'threads' | 'quiet'>>>;
}

/**
 * Trains BPR by stratified SGD on a users x items matrix (values are ignored: every stored pair
 * is a positive). Initial factors are uniform in [-0.5, 0.5) / f, zero for users and items with no
 * pairs, as in `implicit`.
 */
export async function trainBpr(matrix: CsrMatrix, options: BprOptions = {}): Promise<BprResult> {
  const resolved = resolveBprOptions(options);
  const threads = options.threads ?? defaultThreads();
  const nnz = csrNnz(matrix);
  if (matrix.rows === 0 || matrix.cols === 0 || nnz === 0) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `BPR needs at least one interaction, got a ${matrix.rows} x ${matrix.cols} matrix with ${nnz} entries`);
  }

  startWorkers(threads);
  const f = resolved.factors;
  const width = f + 1;
  const shared = { shared: true };
  const indptr = new Int32Array(new SharedArrayBuffer((matrix.rows + 1) * 4));
  const indices = new Int32Array(new SharedArrayBuffer(nnz * 4));
  indptr.set(matrix.indptr);
  indices.set(matrix.indices.subarray(0, nnz));
  const { userFactors, itemFactors } = initialFactors(matrix, f, createRng(resolved.seed));

  const blocks = Math.min(resolved.blocks, matrix.rows, matrix.cols);
  const strata = new StrataBuffers(nnz, shared);
  const context: BprContext = {
    id: nextContextId(),
    indptr,
    indices,
    positivesUser: strata.positivesUser,
    positivesItem: strata.positivesItem,
    negatives: strata.negatives,
    userFactors,
    itemFactors,
  };
  const trainAuc: number[] = [];
  const progress = startProgress({ label: 'bpr', total: resolved.iterations, unit: 'epochs', quiet: options.quiet });
  try {
    for (let epoch = 0; epoch < resolved.iterations; epoch++) {
      const assignment = createRng(resolved.seed, 1 + epoch);
      const userBlock = dealBlocks(matrix.rows, blocks, assignment);
      const itemBlock = dealBlocks(matrix.cols, blocks, assignment);
      let correct = 0;
      let counted = 0;
      for (let round = 0; round < blocks; round++) {
        const tasks = strata.fill(matrix, userBlock, itemBlock, blocks, round).map((range, b): BprStratumTask => ({
          op: 'bpr-stratum',
          context,
          positivesStart: range.positivesStart,
          positivesEnd: range.positivesEnd,
          negativesStart: range.negativesStart,
          negativesEnd: range.negativesEnd,
          width,
          learningRate: resolved.learningRate,
          regularization: resolved.regularization,
          seed: resolved.seed,
          // One sampling stream per (epoch, round, block): independent of the thread that runs it.
          stream: 0x10000 + (epoch * blocks + round) * blocks + b,
        }));
        const results = await runTasks(tasks, threads);
        for (let b = 0; b < results.length; b++) {
          correct += results[b].correct;
          counted += tasks[b].positivesEnd - tasks[b].positivesStart - results[b].skipped;
        }
      }
      trainAuc.push(counted > 0 ? correct / counted : 0);
      progress.update(epoch + 1, { trainAuc: trainAuc[epoch] });
    }
  } finally {
    releaseContext(context);
  }
  progress.finish();
  return { userFactors, itemFactors, width, trainAuc, options: { ...resolved, blocks } };
}

export function resolveBprOptions(options: BprOptions): Required<Omit<BprOptions, 'threads' | 'quiet'>> {
  const resolved = {
    factors: options.factors ?? 64,
    learningRate: options.learningRate ?? 0.01,
    regularization: options.regularization ?? 0.01,
    iterations: options.iterations ?? 100,
    blocks: options.blocks ?? 2,
    seed: options.seed ?? 0,
  };
  for (const [name, value, min] of [
    ['factors', resolved.factors, 1],
    ['iterations', resolved.iterations, 0],
    ['blocks', resolved.blocks, 1],
    ['seed', resolved.seed, 0],
    ['threads', options.threads ?? 1, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `BPR ${name} must be an integer >= ${min}, got ${value}`);
    }
  }
  for (const [name, value] of [
    ['learningRate', resolved.learningRate],
    ['regularization', resolved.regularization],
  ] as const) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `BPR ${name} must be a finite number >= 0, got ${value}`);
    }
  }
  return resolved;
}

function initialFactors(matrix: CsrMatrix, f: number, rng: Rng): { userFactors: Float32Array; itemFactors: Float32Array } {
  const width = f + 1;
  const shared = { shared: true };
  const itemFactors = allocFloat32(matrix.cols * width, shared);
  const userFactors = allocFloat32(matrix.rows * width, shared);
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = (rng.nextFloat() - 0.5) / f;
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = (rng.nextFloat() - 0.5) / f;

  const itemCounts = new Int32Array(matrix.cols);
  for (let k = 0; k < csrNnz(matrix); k++) itemCounts[matrix.indices[k]]++;
  for (let i = 0; i < matrix.cols; i++) if (itemCounts[i] === 0) itemFactors.fill(0, i * width, (i + 1) * width);
  for (let u = 0; u < matrix.rows; u++) {
    const empty = matrix.indptr[u] === matrix.indptr[u + 1];
    if (empty) userFactors.fill(0, u * width, (u + 1) * width);
    else userFactors[u * width + f] = 1;
  }
  return { userFactors, itemFactors };
}

/** Deals `n` indices into `blocks` blocks of near-equal size by a seeded shuffle. */
function dealBlocks(n: number, blocks: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  for (let k = n - 1; k > 0; k--) {
    const j = rng.nextInt(k + 1);
    const t = order[k];
    order[k] = order[j];
    order[j] = t;
  }
  const block = new Int32Array(n);
  for (let k = 0; k < n; k++) block[order[k]] = k % blocks;
  return block;
}

interface StratumRange {
  positivesStart: number;
  positivesEnd: number;
  negativesStart: number;
  negativesEnd: number;
}

/** Shared buffers that hold, for one round, the positives and negative pools of every stratum. */
class StrataBuffers {
  readonly positivesUser: Int32Array;
  readonly positivesItem: Int32Array;
  readonly negatives: Int32Array;

  constructor(nnz: number, allocation: { shared: boolean }) {
    const alloc = (n: number): Int32Array => (allocation.shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n));
    this.positivesUser = alloc(nnz);
    this.positivesItem = alloc(nnz);
    this.negatives = alloc(nnz);
  }

  /**
   * Fills the buffers for one round; stratum b pairs user block b with item block (b + round) mod
   * blocks. Positives of a stratum keep user order, then entry order; negatives keep entry order.
   * Both are placed by a counting sort on the stratum, two passes over the entries.
   */
  fill(m: CsrMatrix, userBlock: Int32Array, itemBlock: Int32Array, blocks: number, round: number): StratumRange[] {
    const { indptr, indices } = m;
    const nnz = csrNnz(m);
    // The stratum of each item: item block c pairs with user block (c - round) mod blocks.
    const stratumOfItem = new Int32Array(m.cols);
    for (let i = 0; i < m.cols; i++) stratumOfItem[i] = (itemBlock[i] - (round % blocks) + blocks) % blocks;
    const positiveCounts = new Int32Array(blocks + 1);
    const negativeCounts = new Int32Array(blocks + 1);
    for (let u = 0; u < m.rows; u++) {
      const b = userBlock[u];
      for (let k = indptr[u]; k < indptr[u + 1]; k++) if (stratumOfItem[indices[k]] === b) positiveCounts[b + 1]++;
    }
    // Negatives of item block c: every stored pair whose item is in block c, so an item is drawn
    // in proportion to its count. Users of any block contribute, which changes no factor.
    for (let k = 0; k < nnz; k++) negativeCounts[stratumOfItem[indices[k]] + 1]++;
    for (let b = 0; b < blocks; b++) {
      positiveCounts[b + 1] += positiveCounts[b];
      negativeCounts[b + 1] += negativeCounts[b];
    }

    const ranges: StratumRange[] = [];
    for (let b = 0; b < blocks; b++) {
      ranges.push({ positivesStart: positiveCounts[b], positivesEnd: positiveCounts[b + 1], negativesStart: negativeCounts[b], negativesEnd: negativeCounts[b + 1] });
    }
    const nextPositive = positiveCounts.slice(0, blocks);
    const nextNegative = negativeCounts.slice(0, blocks);
    const { positivesUser, positivesItem, negatives } = this;
    for (let u = 0; u < m.rows; u++) {
      const b = userBlock[u];
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const item = indices[k];
        if (stratumOfItem[item] !== b) continue;
        const at = nextPositive[b]++;
        positivesUser[at] = u;
        positivesItem[at] = item;
      }
    }
    for (let k = 0; k < nnz; k++) {
      const item = indices[k];
      negatives[nextNegative[stratumOfItem[item]]++] = item;
    }
    return ranges;
  }
}
