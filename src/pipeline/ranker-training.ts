import { trainingFeatures } from '../features/definitions.js';
import { hashString } from '../data/hash.js';
import { compareCodeUnits } from '../retrieval/types.js';
import { averageModels } from '../ranking/average.js';
import { appendTree, integerCurveTree } from '../ranking/curve-tree.js';
import { trainGbdt, type TrainResult } from '../ranking/gbdt/train.js';
import { XgboostRanker } from '../ranking/predict.js';
import type { GbdtParams } from '../ranking/gbdt/params.js';
import { serializeXgboostJson } from '../ranking/xgboost-json-write.js';
import { ByNameEncoder, oneHotName, RETRIEVAL_RANK_FEATURE, RETRIEVAL_SCORE_FEATURE, type EncoderColumn, type EncoderSpec } from '../serving/encoder.js';
import type { RankerObjective } from './ranker-objective.js';
import { rowFeatureNames, rowValues, type RankerRows } from './ranker-rows.js';

/** Categories kept per categorical feature (the most frequent in the training rows); others encode to all zeros. */
export const MAX_CATEGORIES = 20;

/**
 * Weight w of the retrieval-rank prior that the candidate rankers add to their margin: −w·ln(rank)
 * for the candidate's 1-based rank in the merged retrieval list, stored as one more tree of the
 * model (integerCurveTree), so serving applies it without a change. Chosen on the validation
 * users' candidate lists (docs/benchmarks.md, "Bagging and a retrieval-rank prior").
 */
export const RANK_PRIOR_WEIGHT = 0.1;

/** One user in this many goes to the validation rows. */
const VALIDATION_EVERY = 10;

export interface TrainedRanker {
  readonly modelJson: string;
  readonly encoder: EncoderSpec;
  readonly params: GbdtParams;
  readonly metrics: Record<string, number>;
  readonly result: TrainResult;
}

/**
 * XGBoost parameters of the pipeline's ranker per objective. The candidate objectives learn
 * slowly (eta 0.05, up to 400 rounds) with leaves of at least 5 hessian units, and stop early on
 * the validation users: rank:ndcg on NDCG@10 of their candidate lists, binary:logistic on logloss.
 */
export function rankerParams(objective: RankerObjective, seed: number): GbdtParams {
  const common = { tree_method: 'hist', max_depth: 6, subsample: 0.8, colsample_bytree: 0.8, seed };
  if (objective === 'rating') {
    return { ...common, eta: 0.1, num_boost_round: 100, min_child_weight: 1, objective: 'reg:squarederror', eval_metric: 'rmse', base_score: 'auto' };
  }
  const slow = { ...common, eta: 0.05, num_boost_round: 400, min_child_weight: 5, early_stopping_rounds: 40 };
  return objective === 'lambdarank'
    ? { ...slow, objective: 'rank:ndcg', eval_metric: 'ndcg@10' }
    : { ...slow, objective: 'binary:logistic', eval_metric: 'logloss', base_score: 'auto' };
}

/**
 * Builds the encoder from the rows: every numeric user, item and pair feature, one-hot columns for the
 * most frequent categories of each categorical feature, the merged retrieval score and rank, and every per-source
 * extra seen in the candidates (sorted by name, so the column order is deterministic). Pair
 * inputs (a user's category profile) reach the ranker only through the pair features.
 */
export function buildEncoderSpec(rows: RankerRows): EncoderSpec {
  const columns: EncoderColumn[] = [];
  for (const feature of trainingFeatures()) {
    if (feature.pairInput) continue;
    if (feature.type === 'numeric') {
      columns.push({ name: feature.name, source: feature.name, kind: 'numeric' });
      continue;
    }
    for (const category of frequentCategories(rows, feature.name)) {
      columns.push({ name: oneHotName(feature.name, category), source: feature.name, kind: 'one_hot', category });
    }
  }
  columns.push({ name: RETRIEVAL_SCORE_FEATURE, source: RETRIEVAL_SCORE_FEATURE, kind: 'numeric' });
  columns.push({ name: RETRIEVAL_RANK_FEATURE, source: RETRIEVAL_RANK_FEATURE, kind: 'numeric' });
  const extras = new Set<string>();
  for (const candidate of rows.candidates) for (const key of Object.keys(candidate?.extras ?? {})) extras.add(key);
  for (const key of [...extras].sort()) columns.push({ name: key, source: key, kind: 'numeric' });
  return { format: 'twostage-encoder', version: 1, columns };
}

/** Encoded rows of one part (training or validation), with per-user group offsets for rank:ndcg. */
interface EncodedPart {
  matrix: Float32Array;
  labels: Float32Array;
  rows: number;
  groups: number[];
}

/**
 * Encodes the rows, holds out one user in ten for validation, and trains the GBDT. Each user's
 * rows are contiguous, so the groups of each part are rebuilt from the row groups. With `bags` > 1
 * it trains that many GBDTs on the same rows, the first with `seed` and the others with seeds
 * derived from it (so they draw other row and column samples), each stopping early on its own, and
 * returns their average (averageModels) as one model. The interaction ranker then gets the
 * retrieval-rank prior (RANK_PRIOR_WEIGHT) as one more tree.
 */
export async function trainRanker(rows: RankerRows, objective: RankerObjective, seed: number, quiet: boolean, bags = 1): Promise<TrainedRanker> {
  const spec = buildEncoderSpec(rows);
  const encoder = new ByNameEncoder(spec);
  const width = spec.columns.length;
  const names = rowFeatureNames();

  const isValidation = rows.userIds.map((userId) => hashString(userId, seed) % VALIDATION_EVERY === 0);
  const validationCount = isValidation.filter(Boolean).length;
  const useValidation = validationCount > 0 && validationCount < rows.count;
  const trainCount = useValidation ? rows.count - validationCount : rows.count;

  const train: EncodedPart = { matrix: new Float32Array(trainCount * width), labels: new Float32Array(trainCount), rows: 0, groups: [0] };
  const validation: EncodedPart = { matrix: new Float32Array(validationCount * width), labels: new Float32Array(validationCount), rows: 0, groups: [0] };
  const groups = rows.groups ?? userRuns(rows.userIds);
  for (let g = 0; g + 1 < groups.length; g++) {
    const target = useValidation && isValidation[groups[g]] ? validation : train;
    for (let r = groups[g]; r < groups[g + 1]; r++) {
      encoder.encodeRow(rowValues(rows, names.user, r), rowValues(rows, names.item, r), rows.candidates[r], target.matrix, target.rows * width, rows.retrievalRanks[r]);
      target.labels[target.rows++] = rows.labels[r];
    }
    target.groups.push(target.rows);
  }

  // Without validation users there is nothing to stop on: train every round.
  const { early_stopping_rounds: stopAfter, ...fixed } = rankerParams(objective, seed);
  const params: GbdtParams = useValidation && stopAfter !== undefined ? { ...fixed, early_stopping_rounds: stopAfter } : fixed;
  const featureNames = [...encoder.featureNames];
  const grouped = objective === 'lambdarank';
  const part = (p: EncodedPart) => ({ matrix: p.matrix, rows: p.rows, featureNames, labels: p.labels, groups: grouped ? Int32Array.from(p.groups) : undefined });
  const results: TrainResult[] = [];
  for (let bag = 0; bag < bags; bag++) {
    const bagParams = bag === 0 ? params : { ...params, seed: bagSeed(seed, bag) };
    results.push(await trainGbdt(bagParams, part(train), { validation: useValidation ? part(validation) : undefined, progress: !quiet }));
  }
  const averaged = averageModels(results.map((r) => r.model));
  // The prior was chosen for the interaction objective only; the other objectives keep the GBDT margin.
  const model = objective === 'interaction' && RANK_PRIOR_WEIGHT > 0 ? appendTree(averaged, rankPriorTree(spec, rows.retrievalRanks, RANK_PRIOR_WEIGHT)) : averaged;
  const result: TrainResult = { ...results[0], model };

  const metrics: Record<string, number> = { training_rows: train.rows, validation_rows: useValidation ? validation.rows : 0, positives: rows.positives, bags };
  for (const [name, values] of Object.entries(result.evalHistory)) {
    const last = values.at(-1);
    if (last !== undefined) metrics[`validation_${name}`] = last;
  }
  if (useValidation && objective !== 'rating') {
    const ranker = new XgboostRanker(model);
    metrics['validation_list_ndcg@10'] = listNdcg(ranker, validation, width, 10);
    // The evaluation history is the first bag's, without the prior, so the final model's logloss replaces it.
    if (model !== results[0].model && objective === 'interaction') metrics.validation_logloss = validationLogloss(ranker, validation, width);
  }
  return { modelJson: serializeXgboostJson(model), encoder: spec, params, metrics, result };
}

/** Tree of the retrieval-rank prior: −weight·ln(rank) for ranks 1 … the largest rank in the rows. */
function rankPriorTree(spec: EncoderSpec, ranks: Float32Array, weight: number) {
  const feature = spec.columns.findIndex((column) => column.name === RETRIEVAL_RANK_FEATURE);
  let maxRank = 1;
  for (const rank of ranks) if (rank > maxRank) maxRank = rank;
  return integerCurveTree(feature, Array.from({ length: Math.round(maxRank) }, (_, k) => -weight * Math.log(k + 1)));
}

/** Seed of bag `bag` > 0: a hash of the bag number under the run's seed, so bags differ in their row and column samples. */
function bagSeed(seed: number, bag: number): number {
  return hashString(`ranker bag ${bag}`, seed) % 4294967296;
}

/** Mean binary logloss of the part under a binary:logistic model, probabilities clipped to [1e-7, 1 − 1e-7]. */
function validationLogloss(ranker: XgboostRanker, part: EncodedPart, width: number): number {
  if (part.rows === 0) return Number.NaN;
  const p = new Float32Array(part.rows);
  ranker.predict(part.matrix.subarray(0, part.rows * width), part.rows, p);
  let sum = 0;
  for (let r = 0; r < part.rows; r++) {
    const q = Math.min(Math.max(p[r], 1e-7), 1 - 1e-7);
    sum -= part.labels[r] > 0 ? Math.log(q) : Math.log(1 - q);
  }
  return sum / part.rows;
}

/**
 * Mean NDCG@K (binary gain) of the part's candidate lists ordered by the model, over the groups
 * with at least one positive. The ideal DCG counts only the positives inside the list, so the
 * figure compares rankers on the same rows, not with the full-ranking protocol.
 */
function listNdcg(ranker: XgboostRanker, part: EncodedPart, width: number, k: number): number {
  const scores = new Float32Array(part.rows);
  if (part.rows > 0) ranker.predict(part.matrix.subarray(0, part.rows * width), part.rows, scores);
  let sum = 0;
  let lists = 0;
  for (let g = 0; g + 1 < part.groups.length; g++) {
    const start = part.groups[g];
    const end = part.groups[g + 1];
    let positives = 0;
    for (let r = start; r < end; r++) if (part.labels[r] > 0) positives++;
    if (positives === 0) continue;
    // Ties by row order: rows come in merged retrieval order.
    const order = Array.from({ length: end - start }, (_, i) => start + i).sort((a, b) => scores[b] - scores[a] || a - b);
    let dcg = 0;
    for (let p = 0; p < Math.min(k, order.length); p++) if (part.labels[order[p]] > 0) dcg += 1 / Math.log2(p + 2);
    let ideal = 0;
    for (let p = 0; p < Math.min(k, positives); p++) ideal += 1 / Math.log2(p + 2);
    sum += dcg / ideal;
    lists++;
  }
  return lists === 0 ? Number.NaN : sum / lists;
}

/** Offsets of the runs of equal adjacent user ids: [0, end of run 1, …, count]. */
export function userRuns(userIds: readonly string[]): Int32Array {
  const offsets = [0];
  for (let r = 1; r <= userIds.length; r++) if (r === userIds.length || userIds[r] !== userIds[r - 1]) offsets.push(r);
  return Int32Array.from(userIds.length === 0 ? [0] : offsets);
}

function frequentCategories(rows: RankerRows, name: string): string[] {
  const column = rows.columns[name];
  if (!column || column.type === 'numeric') return [];
  const counts = new Map<string, number>();
  for (const value of column.values) {
    const list = value === null ? [] : Array.isArray(value) ? value : [value as string];
    for (const category of list) counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || compareCodeUnits(a[0], b[0]))
    .slice(0, MAX_CATEGORIES)
    .map(([category]) => category);
}
