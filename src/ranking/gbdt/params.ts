import { TwostageError } from '../../errors.js';

/**
 * Training parameters under XGBoost's names, with XGBoost's defaults. Aliases XGBoost accepts
 * (learning_rate, min_split_loss, reg_lambda, reg_alpha, random_state, n_estimators) are read too.
 */
export interface GbdtParams {
  /** reg:squarederror (default), binary:logistic, rank:ndcg or rank:pairwise. */
  objective?: string;
  /** Only `hist` is implemented; `auto` and `approx` are accepted as `hist`. */
  tree_method?: string;
  /** Boosting rounds (one tree each); default 10 as in `xgboost.train`. */
  num_boost_round?: number;
  n_estimators?: number;
  /** Learning rate applied to every leaf value; default 0.3. */
  eta?: number;
  learning_rate?: number;
  /** Minimum loss reduction for a split (γ); default 0. */
  gamma?: number;
  min_split_loss?: number;
  /** Maximum tree depth, 1–30; default 6. */
  max_depth?: number;
  /** Minimum hessian sum in each child; default 1. */
  min_child_weight?: number;
  /** Cap on the absolute leaf weight before eta (0 = no cap); default 0. */
  max_delta_step?: number;
  /** L2 regularization of leaf weights (λ); default 1. */
  lambda?: number;
  reg_lambda?: number;
  /** L1 regularization of leaf weights (α); default 0. */
  alpha?: number;
  reg_alpha?: number;
  /** Fraction of rows sampled (Bernoulli) for each tree; default 1. */
  subsample?: number;
  /** Fractions of features sampled per tree, per level and per node; default 1 each. */
  colsample_bytree?: number;
  colsample_bylevel?: number;
  colsample_bynode?: number;
  /** Maximum histogram bins per feature; default 256. */
  max_bin?: number;
  /**
   * Global bias in output space. Default 0.5, as XGBoost 1.x uses; "auto" estimates it as
   * XGBoost 2.x does (one Newton step from margin 0: the label mean for squared error).
   */
  base_score?: number | 'auto';
  /** Weight of positive rows for binary:logistic; default 1. */
  scale_pos_weight?: number;
  /** Random seed for row/column sampling and ranking pair sampling; default 0. */
  seed?: number;
  random_state?: number;
  /** Pairs sampled per row for rank:ndcg / rank:pairwise (1.7's num_pairsample); default 1. */
  lambdarank_num_pair_per_sample?: number;
  num_pairsample?: number;
  /** Metrics evaluated each round on the validation set: rmse, mae, logloss, error, ndcg, ndcg@K, ndcg@K-. */
  eval_metric?: string | string[];
  /** Stop when the last metric has not improved for this many rounds (0 = never); default 0. */
  early_stopping_rounds?: number;
  /**
   * Threads for histogram building and row partitioning: 1, 2, or "auto" (default). With 1 the
   * WebAssembly SIMD kernels run where they can. "auto" uses them too, because on one thread they
   * are faster than the two-thread JavaScript kernels. It takes 2 threads only when they cannot
   * run (no SIMD, a table too large for their memory) and the machine reports at least 2 CPUs.
   * The model does not depend on it.
   */
  nthread?: number | 'auto';
}

/** Parameters after defaults, aliases and validation. */
export interface ResolvedParams {
  objective: 'reg:squarederror' | 'binary:logistic' | 'rank:ndcg' | 'rank:pairwise';
  numBoostRound: number;
  eta: number;
  gamma: number;
  maxDepth: number;
  minChildWeight: number;
  maxDeltaStep: number;
  lambda: number;
  alpha: number;
  subsample: number;
  colsampleByTree: number;
  colsampleByLevel: number;
  colsampleByNode: number;
  maxBin: number;
  baseScore: number | 'auto';
  scalePosWeight: number;
  seed: number;
  pairsPerSample: number;
  evalMetrics: string[];
  earlyStoppingRounds: number;
  nthread: number | 'auto';
}

const OBJECTIVES = ['reg:squarederror', 'binary:logistic', 'rank:ndcg', 'rank:pairwise'] as const;
const KNOWN_KEYS = new Set([
  'objective', 'tree_method', 'num_boost_round', 'n_estimators', 'eta', 'learning_rate', 'gamma', 'min_split_loss',
  'max_depth', 'min_child_weight', 'max_delta_step', 'lambda', 'reg_lambda', 'alpha', 'reg_alpha', 'subsample',
  'colsample_bytree', 'colsample_bylevel', 'colsample_bynode', 'max_bin', 'base_score', 'scale_pos_weight', 'seed',
  'random_state', 'lambdarank_num_pair_per_sample', 'num_pairsample', 'eval_metric', 'early_stopping_rounds', 'nthread',
]);

const DEFAULT_METRIC: Record<ResolvedParams['objective'], string> = {
  'reg:squarederror': 'rmse',
  'binary:logistic': 'logloss',
  'rank:ndcg': 'ndcg',
  'rank:pairwise': 'ndcg',
};

function invalid(message: string): never {
  throw new TwostageError('REC_ERR_TRAINING_FAILED', `invalid GBDT parameter: ${message}`);
}

function pick(params: GbdtParams, names: (keyof GbdtParams)[], fallback: number, check: (v: number) => boolean, range: string): number {
  const given = names.filter((n) => params[n] !== undefined);
  if (given.length > 1) invalid(`${given.join(' and ')} are aliases: give only one`);
  if (given.length === 0) return fallback;
  const value = params[given[0]];
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) invalid(`${given[0]} must be ${range}, got ${JSON.stringify(value)}`);
  return value;
}

const isInt = (lo: number, hi = Number.MAX_SAFE_INTEGER) => (v: number) => Number.isInteger(v) && v >= lo && v <= hi;
const atLeast = (lo: number) => (v: number) => v >= lo;
const fraction = (v: number) => v > 0 && v <= 1;

/** Applies defaults and aliases and validates every parameter, naming the bad one. */
export function resolveParams(params: GbdtParams): ResolvedParams {
  for (const key of Object.keys(params)) if (!KNOWN_KEYS.has(key)) invalid(`unknown parameter "${key}"; known: ${[...KNOWN_KEYS].join(', ')}`);
  const objective = (params.objective ?? 'reg:squarederror') as ResolvedParams['objective'];
  if (!OBJECTIVES.includes(objective)) invalid(`objective must be one of ${OBJECTIVES.join(', ')}, got "${params.objective}"`);
  const method = params.tree_method ?? 'hist';
  if (!['hist', 'auto', 'approx'].includes(method)) invalid(`tree_method must be "hist", got "${method}"`);

  const baseScore = params.base_score ?? 0.5;
  if (baseScore !== 'auto' && (typeof baseScore !== 'number' || !Number.isFinite(baseScore))) invalid(`base_score must be a number or "auto", got ${JSON.stringify(baseScore)}`);
  if (objective === 'binary:logistic' && typeof baseScore === 'number' && !(baseScore > 0 && baseScore < 1)) invalid(`base_score must be in (0, 1) for binary:logistic, got ${baseScore}`);

  const metrics = params.eval_metric === undefined ? [DEFAULT_METRIC[objective]] : [params.eval_metric].flat();
  for (const metric of metrics) {
    if (!/^(rmse|mae|logloss|error|ndcg(@\d+)?-?)$/.test(metric)) invalid(`eval_metric "${metric}" is not one of rmse, mae, logloss, error, ndcg, ndcg@K, ndcg@K-`);
  }

  return {
    objective,
    numBoostRound: pick(params, ['num_boost_round', 'n_estimators'], 10, isInt(0, 1_000_000), 'an integer ≥ 0'),
    eta: pick(params, ['eta', 'learning_rate'], 0.3, atLeast(0), 'a number ≥ 0'),
    gamma: pick(params, ['gamma', 'min_split_loss'], 0, atLeast(0), 'a number ≥ 0'),
    maxDepth: pick(params, ['max_depth'], 6, isInt(1, 30), 'an integer from 1 to 30'),
    minChildWeight: pick(params, ['min_child_weight'], 1, atLeast(0), 'a number ≥ 0'),
    maxDeltaStep: pick(params, ['max_delta_step'], 0, atLeast(0), 'a number ≥ 0'),
    lambda: pick(params, ['lambda', 'reg_lambda'], 1, atLeast(0), 'a number ≥ 0'),
    alpha: pick(params, ['alpha', 'reg_alpha'], 0, atLeast(0), 'a number ≥ 0'),
    subsample: pick(params, ['subsample'], 1, fraction, 'in (0, 1]'),
    colsampleByTree: pick(params, ['colsample_bytree'], 1, fraction, 'in (0, 1]'),
    colsampleByLevel: pick(params, ['colsample_bylevel'], 1, fraction, 'in (0, 1]'),
    colsampleByNode: pick(params, ['colsample_bynode'], 1, fraction, 'in (0, 1]'),
    maxBin: pick(params, ['max_bin'], 256, isInt(2, 65_535), 'an integer from 2 to 65535'),
    baseScore,
    scalePosWeight: pick(params, ['scale_pos_weight'], 1, (v) => v > 0, 'a number > 0'),
    seed: pick(params, ['seed', 'random_state'], 0, isInt(-2147483648, 4294967295), 'a 32-bit integer'),
    pairsPerSample: pick(params, ['lambdarank_num_pair_per_sample', 'num_pairsample'], 1, isInt(1, 1000), 'an integer from 1 to 1000'),
    evalMetrics: metrics,
    earlyStoppingRounds: pick(params, ['early_stopping_rounds'], 0, isInt(0), 'an integer ≥ 0'),
    nthread: params.nthread === undefined || params.nthread === 'auto' ? 'auto' : pick(params, ['nthread'], 1, isInt(1, 2), '1, 2 or "auto"'),
  };
}
