import type { Interactions } from '../../data/types.js';
import { trainAls, type AlsOptions } from './als.js';
import { trainBpr, type BprOptions } from './bpr.js';
import { FactorRetrievalModel } from './factor-model.js';
import { ItemItemRetrievalModel } from './item-item-model.js';
import { cosineNeighbours, neighbourCount } from './item-similarity.js';
import { columnCounts } from './csr.js';
import { buildUserItemMatrix, type ValueMode } from './matrix.js';
import { countDistinctUsers, countRecentUsers } from './popularity.js';
import { PopularityRetrievalModel } from './popularity-model.js';

/**
 * Trainers that turn the training interactions into retrieval models. Every model covers all
 * users and items of `interactions` (its dense indices are the model's), and every trainer is
 * deterministic for its seed.
 */

/** Trains implicit ALS; `valueMode` sets how interactions become matrix values (default `binary`). */
export async function trainAlsModel(interactions: Interactions, options: AlsOptions & { valueMode?: ValueMode } = {}): Promise<FactorRetrievalModel> {
  const valueMode = options.valueMode ?? 'binary';
  const started = performance.now();
  const matrix = buildUserItemMatrix(interactions, { valueMode });
  const result = await trainAls(matrix, options);
  return new FactorRetrievalModel({
    kind: 'als',
    userIds: interactions.userIds,
    itemIds: interactions.itemIds,
    userFactors: result.userFactors,
    itemFactors: result.itemFactors,
    width: result.factors,
    // Stored entries per item column are its distinct users (repeated pairs are merged).
    popularity: columnCounts(matrix),
    foldIn: { alpha: result.options.alpha, regularization: result.options.regularization, valueMode },
    parameters: { ...result.options, valueMode, trainSeconds: (performance.now() - started) / 1000 },
  });
}

/** Trains BPR; interaction values are ignored (every pair is a positive). */
export async function trainBprModel(interactions: Interactions, options: BprOptions = {}): Promise<FactorRetrievalModel> {
  const started = performance.now();
  const matrix = buildUserItemMatrix(interactions);
  const result = await trainBpr(matrix, options);
  return new FactorRetrievalModel({
    kind: 'bpr',
    userIds: interactions.userIds,
    itemIds: interactions.itemIds,
    userFactors: result.userFactors,
    itemFactors: result.itemFactors,
    width: result.width,
    popularity: columnCounts(matrix),
    parameters: { ...result.options, finalTrainAuc: result.trainAuc.at(-1) ?? null, trainSeconds: (performance.now() - started) / 1000 },
  });
}

export interface CooccurrenceOptions {
  /** Neighbours kept per item (default 20). */
  neighbours?: number;
  /** Value mode of the matrix behind the cosine and the scoring (default `binary`). */
  valueMode?: ValueMode;
}

/** Builds the item-to-item co-occurrence model (cosine, top neighbours per item). */
export function trainCooccurrenceModel(interactions: Interactions, options: CooccurrenceOptions = {}): ItemItemRetrievalModel {
  const neighbours = options.neighbours ?? 20;
  const valueMode = options.valueMode ?? 'binary';
  const started = performance.now();
  const history = buildUserItemMatrix(interactions, { valueMode });
  const lists = cosineNeighbours(history, neighbours);
  return new ItemItemRetrievalModel({
    userIds: interactions.userIds,
    itemIds: interactions.itemIds,
    neighbours: lists,
    history,
    popularity: trainingPopularity(interactions),
    parameters: { neighbours, valueMode, similarity: 'cosine', storedNeighbours: neighbourCount(lists), trainSeconds: (performance.now() - started) / 1000 },
  });
}

export interface PopularityOptions {
  /** Recent window in days for `popularity_recent`, ending at the latest training event (default 30). */
  recentDays?: number;
}

/** Builds the overall popularity model (distinct users per item). */
export function trainPopularityModel(interactions: Interactions): PopularityRetrievalModel {
  return new PopularityRetrievalModel({ kind: 'popularity', userIds: interactions.userIds, itemIds: interactions.itemIds, scores: trainingPopularity(interactions) });
}

/** Builds the recent popularity model: distinct users per item in the last `recentDays` days of training. */
export function trainRecentPopularityModel(interactions: Interactions, options: PopularityOptions = {}): PopularityRetrievalModel {
  const recentDays = options.recentDays ?? 30;
  const scores = countRecentUsers(interactions.user, interactions.item, interactions.timestamp, interactions.itemIds.length, recentDays * 86_400_000);
  return new PopularityRetrievalModel({ kind: 'popularity_recent', userIds: interactions.userIds, itemIds: interactions.itemIds, scores, parameters: { recentDays } });
}

function trainingPopularity(interactions: Interactions): Float32Array {
  return countDistinctUsers(interactions.user, interactions.item, interactions.itemIds.length);
}
