import { availableParallelism } from 'node:os';
import { TwostageError } from '../../errors.js';
import { getLogger } from '../../log.js';
import { startProgress } from '../../progress.js';
import type { GbdtModel, TreeArrays } from '../model.js';
import { applyOutputLink, baseMargin, outputLinkOf } from '../objective.js';
import { TRAINED_MODEL_VERSION } from '../xgboost-json-write.js';
import { chooseBaseScore } from './base-score.js';
import { buildBinnedMatrix, type BinnedMatrix } from './binned-matrix.js';
import { checkDataset, type CheckedDataset, type GbdtDataset } from './dataset.js';
import { SPLIT_MIN_ROWS } from './histogram.js';
import { SerialKernels, type NodeKernels } from './kernels.js';
import { evaluateMetric, metricMaximizes } from './metrics.js';
import { computeGradients, computeLabelBuckets, type LabelBuckets } from './objectives.js';
import { createParallelKernels, sharedFloat64, sharedInt32 } from './parallel-histogram.js';
import { maxFeatureBins } from './partition.js';
import { resolveParams, type GbdtParams, type ResolvedParams } from './params.js';
import { computeCuts, type HistogramCuts } from './quantile.js';
import { SeededRandom } from './random.js';
import { HistogramPool, growTree, type GrowContext } from './tree-grower.js';
import { WasmKernels } from './wasm-kernels.js';
import { addTreeToMargins } from './tree-predict.js';

export interface TrainOptions {
  /** Validation rows, evaluated after every round with `eval_metric`. */
  validation?: GbdtDataset;
  /** Show progress (a bar on a terminal, log lines otherwise); default true. */
  progress?: boolean;
  /** Called after each round with the validation metrics of that round. */
  onRound?: (round: number, metrics: Record<string, number>) => void;
}

export interface TrainResult {
  model: GbdtModel;
  /** Validation metric values per round, keyed by metric name. */
  evalHistory: Record<string, number[]>;
  /** Round (0-based) with the best value of the last metric; the model keeps trees up to it when early stopping triggered. */
  bestIteration: number;
  bestScore: number | null;
  /** True when early stopping ended training before num_boost_round. */
  stoppedEarly: boolean;
  seconds: number;
}

/**
 * Trains gradient-boosted trees with XGBoost's `hist` algorithm and returns an XGBoost JSON
 * compatible model. With `early_stopping_rounds` and a validation set, training stops when the
 * last metric has not improved for that many rounds, and the returned model is cut to the best
 * round. XGBoost instead keeps the extra trees; best_iteration is recorded in both.
 * The same parameters, seed and data give the same model.
 */
export async function trainGbdt(params: GbdtParams, data: GbdtDataset, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const p = resolveParams(params);
  const train = checkDataset(data, p.objective, 'training');
  const validation = options.validation ? checkDataset(options.validation, p.objective, 'validation') : undefined;
  if (validation && validation.featureNames.join('\u0000') !== train.featureNames.join('\u0000')) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', 'invalid validation data: featureNames must equal the training featureNames, in the same order');
  }
  if (p.earlyStoppingRounds > 0 && !validation) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', 'early_stopping_rounds needs a validation set');
  }

  const baseScore = chooseBaseScore(p, train);
  const session = await createSession(p, train);
  const trees: TreeArrays[] = [];
  const history: Record<string, number[]> = Object.fromEntries(p.evalMetrics.map((m) => [m, []]));
  const stopMetric = p.evalMetrics[p.evalMetrics.length - 1];
  const validationMargins = validation ? new Float32Array(validation.rows).fill(baseMargin(p.objective, baseScore)) : null;
  session.margins.fill(baseMargin(p.objective, baseScore));

  const progress = options.progress === false ? null : startProgress({ label: `train ${p.objective}`, total: p.numBoostRound, unit: 'rounds' });
  let best = { iteration: -1, score: null as number | null };
  let stoppedEarly = false;
  try {
    for (let round = 0; round < p.numBoostRound; round++) {
      trees.push(boostOneRound(p, train, session, round));
      if (validation && validationMargins) {
        addTreeToMargins(trees[round], validation.matrix, validation.rows, validation.columns, validationMargins);
        const metrics = evaluateRound(p, validation, validationMargins);
        for (const name of p.evalMetrics) history[name].push(metrics[name]);
        best = updateBest(best, stopMetric, metrics[stopMetric], round);
        options.onRound?.(round, metrics);
        if (p.earlyStoppingRounds > 0 && round - best.iteration >= p.earlyStoppingRounds) {
          stoppedEarly = true;
          break;
        }
      }
      progress?.update(round + 1);
    }
  } finally {
    await session.kernels.close();
  }
  progress?.finish({ trees: trees.length });

  if (stoppedEarly) {
    trees.length = best.iteration + 1;
    for (const name of p.evalMetrics) history[name].length = best.iteration + p.earlyStoppingRounds + 1;
    getLogger().info({ bestIteration: best.iteration, metric: stopMetric, score: best.score }, 'early stopping');
  }
  const model = buildModel(p, train, baseScore, trees, best, validation !== undefined && p.earlyStoppingRounds > 0);
  return {
    model,
    evalHistory: history,
    bestIteration: validation ? best.iteration : trees.length - 1,
    bestScore: best.score,
    stoppedEarly,
    seconds: (performance.now() - started) / 1000,
  };
}

interface Session {
  grow: GrowContext;
  labelBuckets?: LabelBuckets;
  margins: Float32Array;
  /** Float32 gradients and hessians as the objectives write them; copied into `grow.gradPairs`. Unused when the WebAssembly kernels compute squared error. */
  grad: Float32Array;
  hess: Float32Array;
  kernels: NodeKernels;
}

async function createSession(p: ResolvedParams, train: CheckedDataset): Promise<Session> {
  const cuts = computeCuts(train.matrix, train.rows, train.columns, p.maxBin);
  const { kernels, bins, gradPairs, rowIndex, margins, grad, hess } = await createKernels(train, cuts, p.nthread);
  return {
    kernels,
    labelBuckets: train.groups ? computeLabelBuckets(train.labels, train.groups) : undefined,
    margins,
    grad,
    hess,
    grow: {
      matrix: train.matrix,
      columns: train.columns,
      bins,
      cuts,
      params: p,
      kernels,
      gradPairs,
      rowIndex,
      sampledRows: train.rows,
      random: new SeededRandom(p.seed),
      pool: new HistogramPool(2 * bins.totalBins),
      margins: null,
      goesRight: new Uint8Array(maxFeatureBins(bins)),
    },
  };
}

/** The node kernels and the arrays they read, which training writes; gradients and margins are float32 per row. */
interface KernelArrays {
  kernels: NodeKernels;
  bins: BinnedMatrix;
  gradPairs: Float64Array;
  rowIndex: Int32Array;
  margins: Float32Array;
  grad: Float32Array;
  hess: Float32Array;
}

/**
 * Bins the training matrix and creates the node kernels and the arrays they read. With two
 * threads, the bins, gradient pairs and row index are shared with a worker thread. Else all the
 * arrays live in the WebAssembly kernels' memory, or on the heap where those kernels cannot run.
 * `nthread` "auto" prefers the one-thread WebAssembly kernels and takes two threads only when
 * those cannot run and the machine has a second CPU.
 */
async function createKernels(train: CheckedDataset, cuts: HistogramCuts, nthread: number | 'auto'): Promise<KernelArrays> {
  const { matrix, rows, columns } = train;
  // Below two halves of SPLIT_MIN_ROWS no node is ever split across threads, so a worker would sit idle.
  const splittable = rows >= 2 * SPLIT_MIN_ROWS;
  if (nthread !== 'auto' && nthread > 1 && splittable) return parallelKernels(train, cuts);
  const wasmKernels = WasmKernels.create(matrix, rows, columns, cuts);
  if (wasmKernels) {
    const { bins, gradPairs, rowIndex, margins, grad, hess } = wasmKernels;
    return { kernels: wasmKernels, bins, gradPairs, rowIndex, margins, grad, hess };
  }
  if (nthread === 'auto' && availableParallelism() >= 2 && splittable) return parallelKernels(train, cuts);
  const bins = buildBinnedMatrix(matrix, rows, columns, cuts);
  return { kernels: new SerialKernels(bins), bins, gradPairs: new Float64Array(2 * rows), rowIndex: new Int32Array(rows), ...heapGradients(rows) };
}

async function parallelKernels(train: CheckedDataset, cuts: HistogramCuts): Promise<KernelArrays> {
  const bins = buildBinnedMatrix(train.matrix, train.rows, train.columns, cuts, true);
  const gradPairs = sharedFloat64(2 * train.rows);
  const rowIndex = sharedInt32(train.rows);
  return { kernels: await createParallelKernels(bins, gradPairs, rowIndex), bins, gradPairs, rowIndex, ...heapGradients(train.rows) };
}

function heapGradients(rows: number): { margins: Float32Array; grad: Float32Array; hess: Float32Array } {
  return { margins: new Float32Array(rows), grad: new Float32Array(rows), hess: new Float32Array(rows) };
}

/** Computes gradients, samples rows, grows one tree and adds it to the training margins. */
function boostOneRound(p: ResolvedParams, train: CheckedDataset, session: Session, round: number): TreeArrays {
  const ctx = session.grow;
  const { grad, hess } = session;
  const { gradPairs, rowIndex, random } = ctx;
  const rows = train.rows;
  const wasmKernels = session.kernels instanceof WasmKernels ? session.kernels : null;
  // Unweighted squared error goes straight into the pairs; other objectives write float32 arrays first.
  const fused = wasmKernels !== null && p.objective === 'reg:squarederror' && !train.weights && wasmKernels.squaredErrorGradients(session.margins, train.labels, gradPairs);
  if (!fused) {
    computeGradients(p, { margins: session.margins, labels: train.labels, weights: train.weights, groups: train.groups, labelBuckets: session.labelBuckets, rows: train.rows }, grad, hess, round);
    if (!wasmKernels?.interleaveGradients(grad, hess, gradPairs)) {
      for (let r = 0; r < rows; r++) {
        gradPairs[2 * r] = grad[r];
        gradPairs[2 * r + 1] = hess[r];
      }
    }
  }

  let sampled = 0;
  if (p.subsample >= 1) {
    for (let r = 0; r < rows; r++) rowIndex[r] = r;
    sampled = rows;
  } else {
    for (let r = 0; r < rows; r++) if (random.next() < p.subsample) rowIndex[sampled++] = r;
  }
  // Without row sampling every row reaches a leaf of the grown tree, which adds the leaf values itself.
  const allRows = sampled === train.rows;
  const grown = growTree({ ...ctx, sampledRows: sampled, margins: allRows ? session.margins : null });
  if (!allRows) addTreeToMargins(grown.tree, train.matrix, train.rows, train.columns, session.margins);
  return grown.tree;
}

function evaluateRound(p: ResolvedParams, validation: CheckedDataset, margins: Float32Array): Record<string, number> {
  const predictions = Float32Array.from(margins);
  applyOutputLink(outputLinkOf(p.objective), predictions, validation.rows);
  const out: Record<string, number> = {};
  for (const name of p.evalMetrics) {
    out[name] = evaluateMetric(name, {
      predictions,
      labels: validation.labels,
      rows: validation.rows,
      weights: validation.weights,
      groups: validation.groups,
    });
  }
  return out;
}

function updateBest(best: { iteration: number; score: number | null }, metric: string, value: number, round: number) {
  const better = best.score === null || (metricMaximizes(metric) ? value > best.score : value < best.score);
  return better ? { iteration: round, score: value } : best;
}

function objectiveConfig(p: ResolvedParams): Record<string, unknown> {
  if (!p.objective.startsWith('rank:')) {
    return { name: p.objective, reg_loss_param: { scale_pos_weight: String(p.scalePosWeight) } };
  }
  const pairs = String(p.pairsPerSample);
  return {
    name: p.objective,
    // XGBoost 1.7 reads lambda_rank_param and 2.x reads lambdarank_param, so both are written.
    lambda_rank_param: { fix_list_weight: '0', num_pairsample: pairs },
    lambdarank_param: { lambdarank_num_pair_per_sample: pairs, lambdarank_pair_method: 'mean', lambdarank_unbiased: '0', ndcg_exp_gain: '1' },
  };
}

function buildModel(p: ResolvedParams, train: CheckedDataset, baseScore: number, trees: TreeArrays[], best: { iteration: number; score: number | null }, recordBest: boolean): GbdtModel {
  const attributes: Record<string, string> = {};
  if (recordBest && best.score !== null) {
    attributes.best_iteration = String(best.iteration);
    attributes.best_ntree_limit = String(best.iteration + 1);
    attributes.best_score = String(best.score);
  }
  return {
    featureNames: [...train.featureNames],
    featureTypes: train.featureNames.map(() => 'float'),
    numFeature: train.columns,
    objective: p.objective,
    objectiveConfig: objectiveConfig(p),
    baseScore,
    booster: 'gbtree',
    trees,
    treeWeights: new Float32Array(trees.length).fill(1),
    attributes,
    version: [...TRAINED_MODEL_VERSION],
  };
}
