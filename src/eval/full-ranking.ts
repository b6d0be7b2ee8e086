import { computeCatalogMetrics, type CatalogMetrics } from './catalog-metrics.js';
import { listCount, type IndexLists } from './index-lists.js';
import { computeRankingMetrics, DEFAULT_CUTOFFS, normalizeCutoffs, type RankingMetrics } from './ranking-metrics.js';
import { identityTieRank, selectTopK } from './top-k.js';

/**
 * Writes a score for every catalog item for one dense user index into `out` (length itemCount);
 * higher is better. NaN marks an item the model does not recommend (for example an item outside
 * a two-stage model's candidates), so lists may come out shorter than K.
 */
export type UserScorer = (user: number, out: Float32Array) => void;

export interface FullRankingInput {
  /**
   * Catalog size: items 0 … itemCount-1 are ranked, which is every item of the training part.
   * Held-out lists may contain larger indices for items never seen in training.
   */
  readonly itemCount: number;
  /** Dense user indices to evaluate, in report order; typically every user with held-out items. */
  readonly users: Int32Array;
  /** Training items per dense user index (list u is user u's); they are excluded from ranking. */
  readonly trainItems: IndexLists;
  /** Held-out items per dense user index. */
  readonly testItems: IndexLists;
  readonly scoreUser: UserScorer;
  /** Cutoffs K; the lists are cut at the largest. Default 10, 20, 100. */
  readonly cutoffs?: readonly number[];
  /** Tie rank per item (see `tieRankByItemId`); default the dense index. */
  readonly tieRank?: Int32Array;
  /** Training interactions per item, shape [itemCount]; enables the catalog metrics. */
  readonly popularity?: ArrayLike<number>;
  /** Called after each user with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface FullRankingResult {
  /** Dense indices of the evaluated users (at least one relevant item), row order of the lists. */
  readonly users: Int32Array;
  /** Top-max(K) items per evaluated user, best first. */
  readonly ranked: IndexLists;
  /** Relevant items per evaluated user: distinct held-out items the user did not train on. */
  readonly relevant: IndexLists;
  readonly metrics: RankingMetrics;
  /** Present when `popularity` was given. */
  readonly catalog?: CatalogMetrics;
  /** Requested users left out because no held-out item was relevant. */
  readonly skippedUsers: number;
  /** Relevant (user, item) pairs whose item is outside the catalog, so no model can rank it. */
  readonly unrankableTestItems: number;
}

/** One line describing the protocol, printed next to every figure it produced. */
export const FULL_RANKING_PROTOCOL =
  'full ranking: every catalog item scored, the user\'s training items excluded, ties by item id; ' +
  'relevant = distinct held-out items not in the user\'s training items; means over evaluated users';

/**
 * Evaluates a scorer under the full-ranking protocol: for each user, score every catalog item,
 * exclude the user's training items, take the top max(K) (score descending, then tie rank
 * ascending) and compare with the relevant items. Users without relevant items are skipped.
 * Held-out items outside the catalog (never seen in training) stay relevant: no model can rank
 * them, but they count in the recall denominator, as in the published reference protocol.
 */
export function evaluateFullRanking(input: FullRankingInput): FullRankingResult {
  const { itemCount, users, trainItems, testItems, scoreUser } = input;
  const cutoffs = normalizeCutoffs(input.cutoffs ?? DEFAULT_CUTOFFS);
  const maxK = cutoffs[cutoffs.length - 1];
  const tieRank = input.tieRank ?? identityTieRank(itemCount);
  if (tieRank.length !== itemCount) throw new RangeError(`tieRank has length ${tieRank.length}, expected itemCount = ${itemCount}`);
  if (input.popularity !== undefined && input.popularity.length !== itemCount) {
    throw new RangeError(`popularity has length ${input.popularity.length}, expected itemCount = ${itemCount}`);
  }
  checkUsers(users, listCount(trainItems), listCount(testItems));

  const relevantSets = buildRelevantSets(users, trainItems, testItems, itemCount);
  const evaluatedUsers = relevantSets.users;

  const scores = new Float32Array(itemCount);
  const topK = new Int32Array(maxK);
  const rankedOffsets = new Int32Array(evaluatedUsers.length + 1);
  const rankedItems = new Int32Array(evaluatedUsers.length * Math.min(maxK, itemCount));
  for (let row = 0; row < evaluatedUsers.length; row++) {
    const user = evaluatedUsers[row];
    scores.fill(Number.NaN);
    scoreUser(user, scores);
    for (let p = trainItems.offsets[user]; p < trainItems.offsets[user + 1]; p++) {
      const item = trainItems.items[p];
      if (item >= 0 && item < itemCount) scores[item] = Number.NaN;
    }
    const count = selectTopK(scores, Math.min(maxK, itemCount), tieRank, topK);
    rankedItems.set(topK.subarray(0, count), rankedOffsets[row]);
    rankedOffsets[row + 1] = rankedOffsets[row] + count;
    input.onProgress?.(row + 1, evaluatedUsers.length);
  }

  const ranked = { offsets: rankedOffsets, items: rankedItems.slice(0, rankedOffsets[evaluatedUsers.length]) };
  const metrics = computeRankingMetrics(ranked, relevantSets.relevant, itemCount, cutoffs);
  const catalog = input.popularity === undefined ? undefined : computeCatalogMetrics(ranked, input.popularity, cutoffs);
  return {
    users: evaluatedUsers,
    ranked,
    relevant: relevantSets.relevant,
    metrics,
    catalog,
    skippedUsers: users.length - evaluatedUsers.length,
    unrankableTestItems: relevantSets.unrankable,
  };
}

function checkUsers(users: Int32Array, trainRows: number, testRows: number): void {
  if (trainRows !== testRows) {
    throw new RangeError(`training lists (${trainRows} users) and held-out lists (${testRows} users) differ in length`);
  }
  for (let i = 0; i < users.length; i++) {
    if (users[i] < 0 || users[i] >= trainRows) throw new RangeError(`user index ${users[i]} is outside [0, ${trainRows})`);
  }
}

/**
 * Relevant set per user: distinct held-out items that are not among the user's training items,
 * including items outside the catalog. Returns only the users with a non-empty set.
 */
function buildRelevantSets(
  users: Int32Array,
  trainItems: IndexLists,
  testItems: IndexLists,
  itemCount: number,
): { users: Int32Array; relevant: IndexLists; unrankable: number } {
  let maxItem = itemCount - 1;
  for (let p = 0; p < testItems.items.length; p++) {
    const item = testItems.items[p];
    if (item < 0) throw new RangeError(`negative item index ${item} in the held-out lists`);
    if (item > maxItem) maxItem = item;
  }

  // mark[item] === stamp flags an item as trained on, stamp + 1 as already taken for this user.
  const mark = new Int32Array(maxItem + 1);
  const keptUsers: number[] = [];
  const offsets: number[] = [0];
  const items: number[] = [];
  let unrankable = 0;
  let stamp = 1;
  for (let i = 0; i < users.length; i++, stamp += 2) {
    const user = users[i];
    for (let p = trainItems.offsets[user]; p < trainItems.offsets[user + 1]; p++) {
      const item = trainItems.items[p];
      if (item >= 0 && item <= maxItem) mark[item] = stamp;
    }
    const before = items.length;
    for (let p = testItems.offsets[user]; p < testItems.offsets[user + 1]; p++) {
      const item = testItems.items[p];
      if (mark[item] === stamp || mark[item] === stamp + 1) continue;
      mark[item] = stamp + 1;
      items.push(item);
      if (item >= itemCount) unrankable++;
    }
    if (items.length > before) {
      keptUsers.push(user);
      offsets.push(items.length);
    }
  }
  return {
    users: Int32Array.from(keptUsers),
    relevant: { offsets: Int32Array.from(offsets), items: Int32Array.from(items) },
    unrankable,
  };
}
