import type { FeedbackKind, Interactions } from '../data/types.js';
import { trainingFeatures } from '../features/definitions.js';
import { columnValue } from '../features/history.js';
import { getTrainingFeatures } from '../features/training.js';
import type { FeatureColumn } from '../features/types.js';
import type { MergedRetriever } from '../retrieval/merge-retriever.js';
import type { Candidate, FeatureValue, OfflineStore } from '../store/types.js';
import type { NamedValues } from '../serving/types.js';

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
  /** Point-in-time feature columns by name, one value per row. */
  readonly columns: Readonly<Record<string, FeatureColumn>>;
  /** Rows that are positives (label > 0) — on explicit data, every row. */
  readonly positives: number;
}

export interface RankerRowOptions {
  readonly feedback: FeedbackKind;
  /** Label window start, ms: interactions at or after it are labels. */
  readonly cutTime: number;
  /** Negative rows kept per user on implicit data (the best-ranked candidates without an interaction). */
  readonly negativesPerUser: number;
}

/**
 * Builds the rows from the label-window interactions and the candidates of a retriever trained
 * before the cut.
 * - Explicit data (rating regression): one row per label-window interaction with a valid rating,
 *   features as of the interaction time, label = the rating.
 * - Implicit data (binary): for each label-window user, the candidates the retriever proposes
 *   (history before the cut excluded); label 1 when the user interacted with the item in the
 *   label window, else 0; the best-ranked `negativesPerUser` negatives are kept; features as of
 *   the cut. Positives retrieval missed are left out, since the ranker only ever sees candidates.
 */
export async function buildRankerRows(
  offline: OfflineStore,
  interactions: Interactions,
  retriever: MergedRetriever,
  options: RankerRowOptions,
): Promise<RankerRows> {
  const trainHistory: string[][] = interactions.userIds.map(() => []);
  const labels: Map<string, { rating: number; timestamp: number }>[] = interactions.userIds.map(() => new Map());
  for (let j = 0; j < interactions.user.length; j++) {
    const itemId = interactions.itemIds[interactions.item[j]];
    const timestamp = interactions.timestamp[j];
    if (timestamp < options.cutTime) trainHistory[interactions.user[j]].push(itemId);
    else if (timestamp >= options.cutTime) labels[interactions.user[j]].set(itemId, { rating: interactions.rating[j], timestamp });
  }

  const userIds: string[] = [];
  const itemIds: string[] = [];
  const times: number[] = [];
  const labelValues: number[] = [];
  const candidates: (Candidate | null)[] = [];
  let positives = 0;

  for (let u = 0; u < interactions.userIds.length; u++) {
    if (labels[u].size === 0) continue;
    const userId = interactions.userIds[u];
    const retrieved = retriever.retrieve({ userId, seenItemIds: trainHistory[u] }).candidates;
    if (options.feedback === 'explicit') {
      const byItem = new Map(retrieved.map((c) => [c.itemId, c]));
      for (const [itemId, label] of labels[u]) {
        if (!Number.isFinite(label.rating)) continue;
        userIds.push(userId);
        itemIds.push(itemId);
        times.push(label.timestamp);
        labelValues.push(label.rating);
        candidates.push(byItem.get(itemId) ?? null);
        positives++;
      }
      continue;
    }
    let negatives = 0;
    for (const candidate of retrieved) {
      const positive = labels[u].has(candidate.itemId);
      if (!positive && negatives >= options.negativesPerUser) continue;
      if (positive) positives++;
      else negatives++;
      userIds.push(userId);
      itemIds.push(candidate.itemId);
      times.push(options.cutTime);
      labelValues.push(positive ? 1 : 0);
      candidates.push(candidate);
    }
  }

  const timestamps = Float64Array.from(times);
  const joined = await getTrainingFeatures(offline, { userIds, itemIds, timestamps });
  return { count: userIds.length, userIds, itemIds, timestamps, labels: Float32Array.from(labelValues), candidates, columns: joined.columns, positives };
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
