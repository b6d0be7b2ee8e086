import type { Config } from '../config/load.js';
import type { Dataset } from '../data/dataset.js';
import type { Interactions } from '../data/types.js';
import type { Logger } from '../log.js';
import { createTwoStageModel, type TwoStageLists } from '../eval/models/two-stage.js';
import { popularityModel } from '../eval/models/popularity.js';
import type { FitContext } from '../eval/model-types.js';
import type { EvaluationReport } from '../eval/report-types.js';
import { runEvaluation } from '../eval/run-evaluation.js';
import { headlineRows } from '../eval/summary.js';
import { getTrainingFeatures } from '../features/training.js';
import { XgboostRanker } from '../ranking/predict.js';
import { parseXgboostJson } from '../ranking/xgboost-json.js';
import { MergedRetriever } from '../retrieval/merge-retriever.js';
import { ByNameEncoder, retrievalRanks } from '../serving/encoder.js';
import { compareRanked } from '../serving/order.js';
import type { Candidate, OfflineStore } from '../store/types.js';
import { itemsByUser } from './interactions.js';
import { trainRankerStage } from './ranker-stage.js';
import { rowFeatureNames, rowValues, type RankerRows } from './ranker-rows.js';
import { retrievalShares, sourceOptions, trainSources, type SourceCache } from './retrieval-training.js';

/** Headline figures of one evaluated model, for the pipeline summary. */
export interface EvaluationHeadline {
  readonly model: string;
  readonly users: number;
  readonly values: Readonly<Record<string, number | null>>;
}

/**
 * Evaluates the main job's two-stage model against popularity under the evaluation's temporal
 * split and full-ranking protocol, and writes report.json and report.html to WORKDIR. The
 * two-stage model is trained exactly as the pipeline trains it, on the training part only.
 */
export async function evaluatePipeline(config: Config, offline: OfflineStore, dataset: Dataset, quiet: boolean, log: Logger, cache?: SourceCache): Promise<EvaluationReport> {
  const twoStage = createTwoStageModel(
    'two-stage',
    `merged retrieval (${config.RETRIEVAL_SOURCES}) reordered by the GBDT ranker, as served`,
    (context, users) => twoStageLists(config, offline, dataset, context, users, quiet, cache),
  );
  return runEvaluation({ config, dataset, models: [popularityModel, twoStage], log });
}

export function evaluationHeadline(report: EvaluationReport): EvaluationHeadline[] {
  return headlineRows(report).map((row) => ({ model: row.model, users: row.users, values: row.values }));
}

async function twoStageLists(
  config: Config,
  offline: OfflineStore,
  dataset: Dataset,
  context: FitContext,
  users: Int32Array,
  quiet: boolean,
  cache?: SourceCache,
): Promise<TwoStageLists> {
  const train = context.train;
  const trained = await trainRankerStage(config, offline, train, dataset.info.feedback, quiet, cache);
  const sources = await trainSources(train, retrievalShares(config), sourceOptions(config, quiet), cache);
  const retriever = new MergedRetriever(sources.sources, context.candidateCount);
  const history = itemsByUser(train);

  const lists: Candidate[][] = [];
  for (const u of users) lists.push(retriever.retrieve({ userId: train.userIds[u], seenItemIds: history[u] }).candidates);
  const finalOrder = trained ? await rankLists(offline, train, users, lists, context.scoringTime, trained.modelJson, trained.encoder) : lists.map((list) => list.map(() => 0));

  const offsets = new Int32Array(users.length + 1);
  const items: number[] = [];
  const retrievalScores: number[] = [];
  const itemIndex = new Map(train.itemIds.map((id, i) => [id, i]));
  users.forEach((_, r) => {
    const ordered = lists[r]
      .map((c, k) => ({ itemId: c.itemId, score: finalOrder[r][k], retrievalScore: c.score }))
      .sort(compareRanked);
    for (const c of ordered) {
      items.push(itemIndex.get(c.itemId) ?? -1);
      retrievalScores.push(c.retrievalScore);
    }
    offsets[r + 1] = items.length;
  });
  return {
    users,
    offsets,
    items: Int32Array.from(items),
    retrievalScores: Float32Array.from(retrievalScores),
    details: { ranker: trained ? String(trained.params.objective) : 'none (retrieval order)', sources: sources.quotas },
  };
}

/** Ranker scores per list, with each user's features read as of their scoring time. */
async function rankLists(
  offline: OfflineStore,
  train: Interactions,
  users: Int32Array,
  lists: readonly Candidate[][],
  scoringTime: Float64Array,
  modelJson: string,
  spec: ConstructorParameters<typeof ByNameEncoder>[0],
): Promise<number[][]> {
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const times: number[] = [];
  users.forEach((u, r) => {
    for (const c of lists[r]) {
      userIds.push(train.userIds[u]);
      itemIds.push(c.itemId);
      times.push(scoringTime[u]);
    }
  });
  const joined = await getTrainingFeatures(offline, { userIds, itemIds, timestamps: Float64Array.from(times) });
  const rows = { columns: joined.columns } as RankerRows;
  const names = rowFeatureNames();

  const ranker = new XgboostRanker(parseXgboostJson(modelJson, 'evaluation ranker'));
  const encoder = new ByNameEncoder(spec);
  const width = encoder.featureNames.length;
  const scores: number[][] = [];
  let row = 0;
  for (const list of lists) {
    const matrix = new Float32Array(list.length * width);
    const ranks = retrievalRanks(list);
    list.forEach((candidate, k) => encoder.encodeRow(rowValues(rows, names.user, row + k), rowValues(rows, names.item, row + k), candidate, matrix, k * width, ranks[k]));
    const out = new Float32Array(list.length);
    if (list.length > 0) ranker.predict(matrix, list.length, out);
    scores.push(Array.from(out));
    row += list.length;
  }
  return scores;
}
