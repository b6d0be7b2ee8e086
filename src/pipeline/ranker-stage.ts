import type { Config } from '../config/load.js';
import type { FeedbackKind, Interactions } from '../data/types.js';
import { TwostageError } from '../errors.js';
import { MergedRetriever } from '../retrieval/merge-retriever.js';
import type { OfflineStore } from '../store/types.js';
import { quantileTime, subsetInteractions } from './interactions.js';
import { resolveRankerObjective, usesCandidates } from './ranker-objective.js';
import { buildRankerRows } from './ranker-rows.js';
import { trainRanker, type TrainedRanker } from './ranker-training.js';
import { retrievalShares, sourceOptions, trainSources, type SourceCache } from './retrieval-training.js';

/** Share of the interactions (by time) that trains the retrieval model whose candidates make ranker rows. */
export const RANKER_CUT_FRACTION = 0.8;

/** Negative rows kept per user for the `interaction` ranker: null keeps every candidate. */
export const NEGATIVES_PER_USER: number | null = null;

/**
 * Trains the ranker on `interactions`: retrieval is trained on the part before the
 * RANKER_CUT_FRACTION time quantile, its candidates for the users active after the cut become the
 * rows (see buildRankerRows), and the GBDT learns the labels of RANKER_OBJECTIVE. Returns null
 * when the rows cannot train a model (no positives, or only positives for a candidate objective).
 */
export async function trainRankerStage(
  config: Config,
  offline: OfflineStore,
  interactions: Interactions,
  feedback: FeedbackKind,
  quiet: boolean,
  cache?: SourceCache,
): Promise<TrainedRanker | null> {
  resolveRankerObjective(config.RANKER_OBJECTIVE, feedback);
  const cutTime = quantileTime(interactions.timestamp, RANKER_CUT_FRACTION);
  if (!Number.isFinite(cutTime)) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', 'the interactions have no valid timestamps, so the ranker has no time cut to learn across');
  }
  const before = subsetInteractions(interactions, (j) => interactions.timestamp[j] < cutTime);
  if (before.user.length === 0) return null;
  const sources = await trainSources(before, retrievalShares(config), sourceOptions(config, quiet), cache);
  const retriever = new MergedRetriever(sources.sources, config.CANDIDATE_COUNT);
  const objective = resolveRankerObjective(config.RANKER_OBJECTIVE, feedback);
  const rows = await buildRankerRows(offline, interactions, retriever, { feedback, objective, cutTime, negativesPerUser: NEGATIVES_PER_USER });
  if (rows.count < 2 || rows.positives === 0 || (usesCandidates(objective) && rows.positives === rows.count)) return null;
  return trainRanker(rows, objective, config.SEED, quiet, config.RANKER_BAGS);
}
