import type { Logger } from '../log.js';
import { startProgress, type Progress } from '../progress.js';
import { computeCatalogMetrics, type CatalogMetrics } from './catalog-metrics.js';
import { evaluateFullRanking, type FullRankingResult } from './full-ranking.js';
import { groupDistinctItemsByUser, selectLists, type IndexLists } from './index-lists.js';
import type { EvaluationModel, FitContext, FittedModel, LossPoint } from './model-types.js';
import { meanIgnoringNaN, rankingMetricNames } from './ranking-metrics.js';
import { computeRatingErrors, type RatingErrors } from './rating-metrics.js';
import { inSegment, SEGMENT_NAMES, userSegments, type SegmentName } from './segments.js';
import type { TrainTestSplit } from './split-types.js';
import { tieRankByItemId } from './top-k.js';

export interface EvaluationSettings {
  /** Cutoffs K, ascending. */
  readonly cutoffs: readonly number[];
  /** Training interactions a user needs to count as warm. */
  readonly warmThreshold: number;
  /** Held-out ratings below this are not relevant; null makes every held-out interaction relevant. */
  readonly minRating: number | null;
  readonly seed: number;
  readonly factors: number;
  readonly candidateCount: number;
  /** Declared rating scale [min, max] of explicit ratings; null for implicit feedback. */
  readonly ratingScale: readonly [number, number] | null;
}

/** Mean metrics over the evaluated users of one segment. */
export interface SegmentMetrics {
  readonly users: number;
  readonly mean: Readonly<Record<string, number>>;
}

export interface ModelReport {
  readonly name: string;
  readonly description: string;
  /** `failed` when training or scoring threw; `error` then contains the message and the metrics are empty. */
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly fitSeconds: number;
  readonly evaluateSeconds: number;
  /** Metrics per user segment; `new` only when the model scores users without training history. */
  readonly segments: Partial<Record<SegmentName, SegmentMetrics>>;
  /** Coverage and popularity bias of the lists of the `all` segment. */
  readonly catalog: CatalogMetrics;
  /** Recall at `candidateCount` of the candidate set, for two-stage models. */
  readonly candidateRecall: number | null;
  /** RMSE and MAE on held-out ratings of known users and items, for rating models. */
  readonly rating: RatingErrors | null;
  readonly trainingLoss: { readonly name: string; readonly points: readonly LossPoint[] } | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Facts about the evaluated population that hold for every model. */
export interface PopulationSummary {
  readonly trainInteractions: number;
  readonly testInteractions: number;
  readonly trainUsers: number;
  readonly catalogItems: number;
  /** Test users with at least one relevant item, by segment. */
  readonly testUsers: Readonly<Record<SegmentName, number>>;
  /** Relevant (user, item) pairs whose item never occurs in training, so no model can rank it. */
  readonly unrankableRelevant: number;
}

/** The split prepared once and shared by every model. */
export interface PreparedSplit {
  readonly split: TrainTestSplit;
  readonly trainItems: IndexLists;
  readonly testItems: IndexLists;
  readonly segment: Uint8Array;
  readonly tieRank: Int32Array;
  readonly popularity: Float32Array;
  readonly population: PopulationSummary;
}

/** Groups the split into per-user lists, segments and item popularity. */
export function prepareSplit(split: TrainTestSplit, settings: EvaluationSettings): PreparedSplit {
  const { train, test } = split;
  const userCount = test.userIds.length;
  const catalogItems = train.itemIds.length;
  const trainItems = groupDistinctItemsByUser(userCount, train.user, train.item);
  const testItems = groupDistinctItemsByUser(userCount, test.user, test.item, relevantFlags(test.rating, settings.minRating));
  const segment = userSegments(trainItems, train.userIds.length, settings.warmThreshold);
  const popularity = new Float32Array(catalogItems);
  for (let p = 0; p < trainItems.items.length; p++) popularity[trainItems.items[p]]++;

  // A dry run of the relevance rule with no model gives the population figures.
  const everyone = Int32Array.from({ length: userCount }, (_, u) => u);
  const dry = evaluateFullRanking({
    itemCount: catalogItems,
    users: everyone,
    trainItems,
    testItems,
    scoreUser: () => undefined,
    cutoffs: [1],
  });
  const testUsers = { all: 0, warm: 0, cold: 0, new: 0 };
  for (const u of dry.users) for (const name of SEGMENT_NAMES) if (inSegment(segment[u], name)) testUsers[name]++;

  return {
    split,
    trainItems,
    testItems,
    segment,
    tieRank: tieRankByItemId(train.itemIds),
    popularity,
    population: {
      trainInteractions: train.user.length,
      testInteractions: test.user.length,
      trainUsers: train.userIds.length,
      catalogItems,
      testUsers,
      unrankableRelevant: dry.unrankableTestItems,
    },
  };
}

/** 1 for held-out interactions that count as relevant; NaN ratings (implicit data) always count. */
function relevantFlags(rating: Float64Array, minRating: number | null): Uint8Array {
  const flags = new Uint8Array(rating.length).fill(1);
  if (minRating === null) return flags;
  for (let j = 0; j < rating.length; j++) if (rating[j] < minRating) flags[j] = 0;
  return flags;
}

/**
 * Trains and evaluates each model in turn under the same split and protocol. A model that
 * throws is reported as failed and the others still run.
 */
export async function evaluateModels(
  prepared: PreparedSplit,
  models: readonly EvaluationModel[],
  settings: EvaluationSettings,
  log: Logger,
): Promise<ModelReport[]> {
  const reports: ModelReport[] = [];
  for (const model of models) {
    const context = fitContext(prepared.split, settings, log);
    const fitStarted = performance.now();
    try {
      log.info({ model: model.name }, 'training model for evaluation');
      const fitted = await model.fit(context);
      const fitSeconds = (performance.now() - fitStarted) / 1000;
      reports.push(scoreModel(prepared, model, fitted, fitSeconds, settings));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error({ model: model.name, err: error }, 'failed to evaluate model');
      reports.push(failedReport(model, message, (performance.now() - fitStarted) / 1000));
    }
  }
  return reports;
}

/** Builds the training view of a split. Test interactions are left out, so a model cannot see them. */
export function fitContext(split: TrainTestSplit, settings: EvaluationSettings, log: Logger): FitContext {
  return {
    train: split.train,
    scoringTime: split.testStart.slice(0, split.train.userIds.length),
    cutTime: split.cutTime,
    seed: settings.seed,
    factors: settings.factors,
    candidateCount: settings.candidateCount,
    ratingScale: settings.ratingScale,
    log,
  };
}

function scoreModel(prepared: PreparedSplit, model: EvaluationModel, fitted: FittedModel, fitSeconds: number, settings: EvaluationSettings): ModelReport {
  const started = performance.now();
  const { split, segment } = prepared;
  const trainUsers = split.train.userIds.length;
  const users = evaluableUsers(segment, fitted.scoreUnknownUser !== undefined);
  let progress: Progress | undefined;
  const onProgress = (done: number, total: number) => {
    progress ??= startProgress({ label: `evaluate ${model.name}`, total, unit: 'users' });
    progress.update(done);
  };
  const scoreUser = (user: number, out: Float32Array) => {
    if (user < trainUsers) fitted.scoreUser(user, out);
    else fitted.scoreUnknownUser?.(out);
  };
  const result = runFullRanking(prepared, users, scoreUser, settings.cutoffs, onProgress);
  progress?.finish({ model: model.name });

  const segments: Partial<Record<SegmentName, SegmentMetrics>> = {};
  for (const name of SEGMENT_NAMES) {
    const metrics = segmentMeans(result, segment, name, settings.cutoffs);
    if (name === 'new' && fitted.scoreUnknownUser === undefined) continue;
    segments[name] = metrics;
  }

  const withHistory = Int32Array.from(rowsInSegment(result, segment, 'all'));
  const catalog = computeCatalogMetrics(selectLists(result.ranked, withHistory), prepared.popularity, settings.cutoffs);

  return {
    name: model.name,
    description: model.description,
    status: 'ok',
    fitSeconds,
    evaluateSeconds: (performance.now() - started) / 1000,
    segments,
    catalog,
    candidateRecall: fitted.scoreCandidates ? candidateRecall(prepared, fitted, settings.candidateCount) : null,
    rating: fitted.predictRating ? ratingErrors(split, fitted.predictRating.bind(fitted)) : null,
    trainingLoss: fitted.trainingLoss ?? null,
    details: fitted.details ?? {},
  };
}

/** Users of the test index space to rank: all with training history, plus new ones on request. */
function evaluableUsers(segment: Uint8Array, includeNew: boolean): Int32Array {
  const users: number[] = [];
  for (let u = 0; u < segment.length; u++) if (segment[u] !== 0 || includeNew) users.push(u);
  return Int32Array.from(users);
}

function runFullRanking(
  prepared: PreparedSplit,
  users: Int32Array,
  scoreUser: (user: number, out: Float32Array) => void,
  cutoffs: readonly number[],
  onProgress?: (done: number, total: number) => void,
): FullRankingResult {
  return evaluateFullRanking({
    itemCount: prepared.population.catalogItems,
    users,
    trainItems: prepared.trainItems,
    testItems: prepared.testItems,
    scoreUser,
    cutoffs,
    tieRank: prepared.tieRank,
    onProgress,
  });
}

/** Means of every ranking metric over the rows of `result` whose user is in the segment. */
function segmentMeans(result: FullRankingResult, segment: Uint8Array, name: SegmentName, cutoffs: readonly number[]): SegmentMetrics {
  const rows = rowsInSegment(result, segment, name);
  const mean: Record<string, number> = {};
  for (const metric of rankingMetricNames(cutoffs)) {
    const values = result.metrics.perUser[metric];
    const selected = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) selected[i] = values[rows[i]];
    mean[metric] = meanIgnoringNaN(selected);
  }
  return { users: rows.length, mean };
}

/** Rows of `result` whose user belongs to the segment. */
function rowsInSegment(result: FullRankingResult, segment: Uint8Array, name: SegmentName): number[] {
  const rows: number[] = [];
  for (let row = 0; row < result.users.length; row++) {
    if (inSegment(segment[result.users[row]], name)) rows.push(row);
  }
  return rows;
}

function candidateRecall(prepared: PreparedSplit, fitted: FittedModel, candidateCount: number): number {
  const users = evaluableUsers(prepared.segment, false);
  const scoreCandidates = fitted.scoreCandidates!.bind(fitted);
  const result = runFullRanking(prepared, users, scoreCandidates, [candidateCount]);
  return result.metrics.mean[`recall@${candidateCount}`];
}

/** RMSE and MAE over held-out interactions whose user and item both occur in training. */
function ratingErrors(split: TrainTestSplit, predict: (user: number, item: number) => number): RatingErrors | null {
  const { test, train } = split;
  const predicted: number[] = [];
  const actual: number[] = [];
  for (let j = 0; j < test.user.length; j++) {
    const rating = test.rating[j];
    if (rating !== rating || test.user[j] >= train.userIds.length || test.item[j] >= train.itemIds.length) continue;
    predicted.push(predict(test.user[j], test.item[j]));
    actual.push(rating);
  }
  if (actual.length === 0) return null;
  return computeRatingErrors(predicted, actual);
}

function failedReport(model: EvaluationModel, error: string, fitSeconds: number): ModelReport {
  return {
    name: model.name,
    description: model.description,
    status: 'failed',
    error,
    fitSeconds,
    evaluateSeconds: 0,
    segments: {},
    catalog: {},
    candidateRecall: null,
    rating: null,
    trainingLoss: null,
    details: {},
  };
}
