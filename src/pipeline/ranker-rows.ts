import type { FeedbackKind, Interactions } from '../data/types.js';
import { trainingFeatures } from '../features/definitions.js';
import { columnValue } from '../features/history.js';
import { getTrainingFeatures } from '../features/training.js';
import type { FeatureColumn } from '../features/types.js';
import type { MergedRetriever } from '../retrieval/merge-retriever.js';
import type { Candidate, FeatureValue, OfflineStore } from '../store/types.js';
import { retrievalRanks } from '../serving/encoder.js';
import type { NamedValues } from '../serving/types.js';
import { usesCandidates, type RankerObjective } from './ranker-objective.js';

/**
 * Ranker training rows: one (user, item) pair each, with the user's and item's point-in-time
 * features, the pair's retrieval candidate (score and per-source extras; null when retrieval did
 * not propose the item) and the label.
 */
export interface RankerRows {
  readonly count: number;
  readonly userIds: string[];
  readonly itemIds: string[];
  /** Time the features are taken as of, ms (strictly earlier records only). */
  readonly timestamps: Float64Array;
  readonly labels: Float32Array;
  readonly candidates: (Candidate | null)[];
  /** Each candidate's 1-based rank in its user's merged list (retrievalRanks); NaN for rows whose item is not a candidate. */
  readonly retrievalRanks: Float32Array;
  /**
   * Per-user query groups as offsets into the rows, [0, end of user 1, …, count], for the
   * candidate objectives (each user's rows are contiguous); null for `rating`.
   */
  readonly groups: Int32Array | null;
  /** Point-in-time feature columns by name, one value per row. */
  readonly columns: Readonly<Record<string, FeatureColumn>>;
  /** Rows that are positives (label > 0) — on explicit data, every row. */
  readonly positives: number;
}

export interface RankerRowOptions {
  readonly feedback: FeedbackKind;
  readonly objective: RankerObjective;
  /** Label window start, ms: interactions at or after it are labels. */
  readonly cutTime: number;
  /**
   * Negative rows kept per user for `interaction` (the best-ranked candidates without an
   * interaction); null keeps every candidate. `lambdarank` always keeps every candidate.
   */
  readonly negativesPerUser: number | null;
  /**
   * Picks the label interactions by index instead of the time cut (a per-user hold-out, for
   * splits that are not in time); the retriever must then be trained on the other interactions.
   * Candidate rows then read features as of the user's first label event.
   */
  readonly isLabel?: (j: number) => boolean;
}

/**
 * Builds the rows from the label-window interactions and the candidates of a retriever trained
 * before the cut.
 * - `rating` (explicit data only): one row per label-window interaction with a valid rating,
 *   features as of the interaction time, label = the rating.
 * - `interaction` and `lambdarank`: for each label-window user, the candidates the retriever
 *   proposes (history before the cut excluded), in merged order, for users with history before
 *   the cut (users without one get the unknown-user list); label 1 when the user
 *   interacted with the item in the label window, else 0; features as of the cut. Positives
 *   retrieval missed are left out, since the ranker only ever sees candidates. `lambdarank`
 *   keeps every candidate of users with at least one positive among them (a group without one
 *   has no pair to learn from); `interaction` keeps `negativesPerUser` negatives of every user.
 */
export async function buildRankerRows(
  offline: OfflineStore,
  interactions: Interactions,
  retriever: MergedRetriever,
  options: RankerRowOptions,
): Promise<RankerRows> {
  return buildRankerRowsOverFolds(offline, interactions, [{ retriever, isLabel: options.isLabel }], options);
}

/** One inner split of the training interactions: the labels it picks and a retriever trained on the rest. */
export interface RankerFold {
  readonly retriever: MergedRetriever;
  /** Label interactions by index; without it, the interactions at or after `options.cutTime`. */
  readonly isLabel?: (j: number) => boolean;
}

/**
 * Builds the rows of several inner splits (see buildRankerRows for one) and concatenates them,
 * fold by fold. A user appears once per fold in which they have labels, as separate query groups.
 * Each fold's features are read as of that fold's own times, so rows of one fold never see the
 * labels of that fold.
 */
export async function buildRankerRowsOverFolds(
  offline: OfflineStore,
  interactions: Interactions,
  folds: readonly RankerFold[],
  options: Omit<RankerRowOptions, 'isLabel'>,
): Promise<RankerRows> {
  const acc: RowAccumulator = { userIds: [], itemIds: [], times: [], labelValues: [], candidates: [], ranks: [], groups: [0], positives: 0 };
  for (const fold of folds) collectFoldRows(interactions, fold, options, acc);

  const timestamps = Float64Array.from(acc.times);
  const joined = await getTrainingFeatures(offline, { userIds: acc.userIds, itemIds: acc.itemIds, timestamps });
  return {
    count: acc.userIds.length,
    userIds: acc.userIds,
    itemIds: acc.itemIds,
    timestamps,
    labels: Float32Array.from(acc.labelValues),
    candidates: acc.candidates,
    retrievalRanks: Float32Array.from(acc.ranks),
    groups: usesCandidates(options.objective) ? Int32Array.from(acc.groups) : null,
    columns: joined.columns,
    positives: acc.positives,
  };
}

interface RowAccumulator {
  userIds: string[];
  itemIds: string[];
  times: number[];
  labelValues: number[];
  candidates: (Candidate | null)[];
  ranks: number[];
  groups: number[];
  positives: number;
}

function collectFoldRows(interactions: Interactions, fold: RankerFold, options: Omit<RankerRowOptions, 'isLabel'>, acc: RowAccumulator): void {
  const { retriever, isLabel: pickLabel } = fold;
  const trainHistory: string[][] = interactions.userIds.map(() => []);
  const labels: Map<string, { rating: number; timestamp: number }>[] = interactions.userIds.map(() => new Map());
  for (let j = 0; j < interactions.user.length; j++) {
    const itemId = interactions.itemIds[interactions.item[j]];
    const timestamp = interactions.timestamp[j];
    const isLabel = pickLabel ? pickLabel(j) : timestamp >= options.cutTime;
    if (isLabel) labels[interactions.user[j]].set(itemId, { rating: interactions.rating[j], timestamp });
    else if (pickLabel || timestamp < options.cutTime) trainHistory[interactions.user[j]].push(itemId);
  }

  const { userIds, itemIds, times, labelValues, candidates, ranks, groups } = acc;
  for (let u = 0; u < interactions.userIds.length; u++) {
    if (labels[u].size === 0) continue;
    const userId = interactions.userIds[u];
    const retrieved = retriever.retrieve({ userId, seenItemIds: trainHistory[u] }).candidates;
    if (!usesCandidates(options.objective)) {
      const rankOf = retrievalRanks(retrieved);
      const byItem = new Map(retrieved.map((c, k) => [c.itemId, k]));
      for (const [itemId, label] of labels[u]) {
        if (!Number.isFinite(label.rating)) continue;
        userIds.push(userId);
        itemIds.push(itemId);
        times.push(label.timestamp);
        labelValues.push(label.rating);
        const k = byItem.get(itemId);
        candidates.push(k === undefined ? null : retrieved[k]);
        ranks.push(k === undefined ? Number.NaN : rankOf[k]);
        acc.positives++;
      }
      continue;
    }
    // A user with no history before the cut gets the unknown-user list, unlike anyone the ranker later scores.
    if (trainHistory[u].length === 0) continue;
    const hits = retrieved.filter((c) => labels[u].has(c.itemId)).length;
    if (options.objective === 'lambdarank' && hits === 0) continue;
    const limit = options.objective === 'lambdarank' || options.negativesPerUser === null ? Number.POSITIVE_INFINITY : options.negativesPerUser;
    const rankOf = retrievalRanks(retrieved);
    const featureTime = pickLabel ? Math.min(...Array.from(labels[u].values(), (label) => label.timestamp)) : options.cutTime;
    let negatives = 0;
    retrieved.forEach((candidate, k) => {
      const positive = labels[u].has(candidate.itemId);
      if (!positive && negatives >= limit) return;
      if (positive) acc.positives++;
      else negatives++;
      userIds.push(userId);
      itemIds.push(candidate.itemId);
      times.push(featureTime);
      labelValues.push(positive ? 1 : 0);
      candidates.push(candidate);
      ranks.push(rankOf[k]);
    });
    if (userIds.length > groups[groups.length - 1]) groups.push(userIds.length);
  }
}

/** Names of the user and item features in the rows, by entity. */
export function rowFeatureNames(): { user: string[]; item: string[] } {
  return { user: trainingFeatures('user').map((f) => f.name), item: trainingFeatures('item').map((f) => f.name) };
}

/** Collects one row's user or item features by name, as the online store would serve them. */
export function rowValues(rows: RankerRows, names: readonly string[], row: number): NamedValues {
  const values: Record<string, FeatureValue> = {};
  for (const name of names) {
    const column = rows.columns[name];
    if (column) values[name] = columnValue(column, row);
  }
  return values;
}
