import type { FeedbackKind } from '../data/types.js';
import { trainingFeatures } from '../features/definitions.js';
import { hashString } from '../data/hash.js';
import { trainGbdt, type TrainResult } from '../ranking/gbdt/train.js';
import type { GbdtParams } from '../ranking/gbdt/params.js';
import { serializeXgboostJson } from '../ranking/xgboost-json-write.js';
import { ByNameEncoder, oneHotName, RETRIEVAL_SCORE_FEATURE, type EncoderColumn, type EncoderSpec } from '../serving/encoder.js';
import { rowFeatureNames, rowValues, type RankerRows } from './ranker-rows.js';

/** Categories kept per categorical feature (the most frequent in the training rows); others encode to all zeros. */
export const MAX_CATEGORIES = 20;

/** One user in this many goes to the validation rows. */
const VALIDATION_EVERY = 10;

export interface TrainedRanker {
  readonly modelJson: string;
  readonly encoder: EncoderSpec;
  readonly params: GbdtParams;
  readonly metrics: Record<string, number>;
  readonly result: TrainResult;
}

/** XGBoost parameters of the pipeline's ranker per kind of feedback. */
export function rankerParams(feedback: FeedbackKind, seed: number): GbdtParams {
  const common = { tree_method: 'hist', max_depth: 6, eta: 0.1, num_boost_round: 100, min_child_weight: 1, subsample: 0.8, colsample_bytree: 0.8, seed, nthread: 1 };
  return feedback === 'explicit'
    ? { ...common, objective: 'reg:squarederror', eval_metric: 'rmse', base_score: 'auto' }
    : { ...common, objective: 'binary:logistic', eval_metric: ['logloss', 'error'], base_score: 'auto' };
}

/**
 * Builds the encoder from the rows: every numeric user and item feature, one-hot columns for the
 * most frequent categories of each categorical feature, the retrieval score and every per-source
 * extra seen in the candidates (sorted by name, so the column order is deterministic).
 */
export function buildEncoderSpec(rows: RankerRows): EncoderSpec {
  const columns: EncoderColumn[] = [];
  for (const feature of trainingFeatures()) {
    if (feature.type === 'numeric') {
      columns.push({ name: feature.name, source: feature.name, kind: 'numeric' });
      continue;
    }
    for (const category of frequentCategories(rows, feature.name)) {
      columns.push({ name: oneHotName(feature.name, category), source: feature.name, kind: 'one_hot', category });
    }
  }
  columns.push({ name: RETRIEVAL_SCORE_FEATURE, source: RETRIEVAL_SCORE_FEATURE, kind: 'numeric' });
  const extras = new Set<string>();
  for (const candidate of rows.candidates) for (const key of Object.keys(candidate?.extras ?? {})) extras.add(key);
  for (const key of [...extras].sort()) columns.push({ name: key, source: key, kind: 'numeric' });
  return { format: 'twostage-encoder', version: 1, columns };
}

/** Encodes the rows, holds out one user in ten for validation, and trains the GBDT. */
export async function trainRanker(rows: RankerRows, feedback: FeedbackKind, seed: number, quiet: boolean): Promise<TrainedRanker> {
  const spec = buildEncoderSpec(rows);
  const encoder = new ByNameEncoder(spec);
  const width = spec.columns.length;
  const names = rowFeatureNames();

  const isValidation = rows.userIds.map((userId) => hashString(userId, seed) % VALIDATION_EVERY === 0);
  const validationCount = isValidation.filter(Boolean).length;
  const useValidation = validationCount > 0 && validationCount < rows.count;
  const trainCount = useValidation ? rows.count - validationCount : rows.count;

  const train = { matrix: new Float32Array(trainCount * width), labels: new Float32Array(trainCount), rows: 0 };
  const validation = { matrix: new Float32Array(validationCount * width), labels: new Float32Array(validationCount), rows: 0 };
  for (let r = 0; r < rows.count; r++) {
    const target = useValidation && isValidation[r] ? validation : train;
    encoder.encodeRow(rowValues(rows, names.user, r), rowValues(rows, names.item, r), rows.candidates[r], target.matrix, target.rows * width);
    target.labels[target.rows++] = rows.labels[r];
  }

  const params = rankerParams(feedback, seed);
  const featureNames = [...encoder.featureNames];
  const result = await trainGbdt(
    params,
    { matrix: train.matrix, rows: train.rows, featureNames, labels: train.labels },
    { validation: useValidation ? { matrix: validation.matrix, rows: validation.rows, featureNames, labels: validation.labels } : undefined, progress: !quiet },
  );

  const metrics: Record<string, number> = { training_rows: train.rows, validation_rows: useValidation ? validation.rows : 0, positives: rows.positives };
  for (const [name, values] of Object.entries(result.evalHistory)) {
    const last = values.at(-1);
    if (last !== undefined) metrics[`validation_${name}`] = last;
  }
  return { modelJson: serializeXgboostJson(result.model), encoder: spec, params, metrics, result };
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
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_CATEGORIES)
    .map(([category]) => category);
}
