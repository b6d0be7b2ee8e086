import type { Config } from '../../config/load.js';
import { DEFAULT_RETRIEVAL_SOURCES, parseRetrievalSources } from '../../config/retrieval-sources.js';
import type { Interactions } from '../../data/types.js';
import type { FitContext } from '../../eval/model-types.js';
import { createTwoStageModel, type TwoStageLists } from '../../eval/models/two-stage.js';
import type { EvaluationModel } from '../../eval/model-types.js';
import { getTrainingFeatures } from '../../features/training.js';
import { quantileTime, subsetInteractions } from '../../pipeline/interactions.js';
import { holdOutFolds, HOLD_OUT_FOLDS } from '../../pipeline/ranker-folds.js';
import { buildRankerRowsOverFolds, rowFeatureNames, rowValues, type RankerFold, type RankerRows } from '../../pipeline/ranker-rows.js';
import { resolveRankerObjective } from '../../pipeline/ranker-objective.js';
import { NEGATIVES_PER_USER } from '../../pipeline/ranker-stage.js';
import { trainRanker } from '../../pipeline/ranker-training.js';
import { trainSources } from '../../pipeline/retrieval-training.js';
import { XgboostRanker } from '../../ranking/predict.js';
import { MergedRetriever } from '../../retrieval/merge-retriever.js';
import { ByNameEncoder, retrievalRanks } from '../../serving/encoder.js';
import { compareRanked } from '../../serving/order.js';
import { openOfflineStore } from '../../store/open.js';
import type { Candidate, OfflineStore } from '../../store/types.js';
import { TwostageError } from '../../errors.js';

/** Time quantile of the training part that splits ranker training, as in the main job. */
const RANKER_CUT_FRACTION = 0.8;


/**
 * The full two-stage model as the main job builds it, for the evaluation table: merged retrieval
 * from RETRIEVAL_SOURCES and the GBDT ranker on point-in-time features from the offline store.
 * It lives here, above both the pipeline and the evaluation, so the evaluation imports no
 * pipeline code.
 */
export function twoStageEvaluationModel(config: Config): EvaluationModel {
  return createTwoStageModel(
    'two-stage',
    `merged retrieval (${config.RETRIEVAL_SOURCES}) reordered by the GBDT ranker on point-in-time features`,
    async (context, users) => {
      const offline = await openOfflineStore(config);
      try {
        return await trainAndRank(config, offline, context, users);
      } finally {
        await offline.close();
      }
    },
  );
}

async function trainAndRank(config: Config, offline: OfflineStore, context: FitContext, users: Int32Array): Promise<TwoStageLists> {
  const { train } = context;
  const feedback = context.ratingScale === null ? 'implicit' : 'explicit';
  const shares = parseRetrievalSources(config.RETRIEVAL_SOURCES ?? DEFAULT_RETRIEVAL_SOURCES);
  const sourceOptions = { seed: context.seed, factors: context.factors, candidateCount: context.candidateCount, quiet: true };

  // Ranker: retrieval trained on an inner split of the training part, labels from the rest. The
  // inner split mirrors the outer one: a time cut for a temporal split, else per-user hold-out folds.
  const holdOuts = context.cutTime === null ? holdOutFolds(train, context.seed) : null;
  const innerCut = quantileTime(train.timestamp, RANKER_CUT_FRACTION);
  if (!holdOuts && !Number.isFinite(innerCut)) throw new TwostageError('REC_ERR_TRAINING_FAILED', 'the training interactions have no timestamps, so the ranker has no time cut to learn across');
  const folds: RankerFold[] = [];
  for (const isLabel of holdOuts ?? [undefined]) {
    const before = subsetInteractions(train, isLabel ? (j) => !isLabel(j) : (j) => train.timestamp[j] < innerCut);
    folds.push({ retriever: new MergedRetriever((await trainSources(before, shares, sourceOptions)).sources, context.candidateCount), isLabel });
  }
  const objective = resolveRankerObjective(config.RANKER_OBJECTIVE, feedback);
  const rows = await buildRankerRowsOverFolds(offline, train, folds, { feedback, objective, cutTime: innerCut, negativesPerUser: NEGATIVES_PER_USER });
  if (rows.count < 2 || rows.positives === 0) throw new TwostageError('REC_ERR_TRAINING_FAILED', `too few ranker rows after the inner cut (${rows.count} rows, ${rows.positives} positive)`);
  const trained = await trainRanker(rows, objective, context.seed, true, config.RANKER_BAGS);

  // Retrieval for scoring: every training interaction.
  const retriever = new MergedRetriever((await trainSources(train, shares, sourceOptions)).sources, context.candidateCount);
  const candidateRows = retrieveCandidates(train, retriever, users, context.scoringTime);
  const joined = await getTrainingFeatures(offline, candidateRows);
  const scores = predictRows(trained.encoder, new XgboostRanker(trained.result.model), { ...candidateRows, columns: joined.columns });

  // The first metric is the loss (logloss or rmse); later ones, such as the error rate, are not.
  const lossMetric = Object.keys(trained.result.evalHistory).at(0);
  return {
    users,
    ...orderLists(train, candidateRows, scores, users.length),
    trainingLoss: lossMetric ? { name: `validation ${lossMetric}`, points: trained.result.evalHistory[lossMetric].map((loss, round) => ({ step: round + 1, loss })) } : undefined,
    details: { ...trained.params, rankerRows: rows.count, innerSplit: holdOuts ? `${HOLD_OUT_FOLDS} folds, one interaction in ${HOLD_OUT_FOLDS} per user labelling each` : new Date(innerCut).toISOString(), ...trained.metrics },
  };
}

interface CandidateRows {
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly timestamps: Float64Array;
  readonly candidates: Candidate[];
  readonly retrievalRanks: Float32Array;
  /** Row range of list r: rows listStart[r] … listStart[r+1]-1. */
  readonly listStart: Int32Array;
}

function retrieveCandidates(train: Interactions, retriever: MergedRetriever, users: Int32Array, scoringTime: Float64Array): CandidateRows {
  const history: string[][] = train.userIds.map(() => []);
  for (let j = 0; j < train.user.length; j++) history[train.user[j]].push(train.itemIds[train.item[j]]);
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const times: number[] = [];
  const candidates: Candidate[] = [];
  const ranks: number[] = [];
  const listStart = new Int32Array(users.length + 1);
  users.forEach((user, r) => {
    const userId = train.userIds[user];
    const list = retriever.retrieve({ userId, seenItemIds: history[user] }).candidates;
    const rankOf = retrievalRanks(list);
    for (const [k, candidate] of list.entries()) {
      ranks.push(rankOf[k]);
      userIds.push(userId);
      itemIds.push(candidate.itemId);
      times.push(scoringTime[user]);
      candidates.push(candidate);
    }
    listStart[r + 1] = candidates.length;
  });
  return { userIds, itemIds, timestamps: Float64Array.from(times), candidates, retrievalRanks: Float32Array.from(ranks), listStart };
}

function predictRows(spec: ConstructorParameters<typeof ByNameEncoder>[0], ranker: XgboostRanker, rows: CandidateRows & { columns: RankerRows['columns'] }): Float32Array {
  const encoder = new ByNameEncoder(spec);
  const width = encoder.featureNames.length;
  const count = rows.candidates.length;
  const asRankerRows = { ...rows, count, labels: new Float32Array(count), positives: 0, groups: null } as RankerRows;
  const names = rowFeatureNames();
  const matrix = new Float32Array(count * width);
  for (let r = 0; r < count; r++) encoder.encodeRow(rowValues(asRankerRows, names.user, r), rowValues(asRankerRows, names.item, r), rows.candidates[r], matrix, r * width, rows.retrievalRanks[r]);
  const scores = new Float32Array(count);
  ranker.predict(matrix, count, scores);
  return scores;
}

function orderLists(train: Interactions, rows: CandidateRows, scores: Float32Array, listCount: number) {
  const itemIndex = new Map(train.itemIds.map((id, i) => [id, i]));
  const items = new Int32Array(rows.candidates.length);
  const retrievalScores = new Float32Array(rows.candidates.length);
  for (let r = 0; r < listCount; r++) {
    const ranked = [];
    for (let row = rows.listStart[r]; row < rows.listStart[r + 1]; row++) {
      ranked.push({ score: scores[row], retrievalScore: rows.candidates[row].score, itemId: rows.itemIds[row] });
    }
    ranked.sort(compareRanked);
    ranked.forEach((entry, k) => {
      items[rows.listStart[r] + k] = itemIndex.get(entry.itemId) ?? -1;
      retrievalScores[rows.listStart[r] + k] = entry.retrievalScore;
    });
  }
  return { offsets: rows.listStart, items, retrievalScores };
}
