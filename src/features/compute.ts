/**
 * Feature histories computed from the ingested dataset. Records derived from timestamped
 * interactions get created time = event time: the interaction was known when it happened, so a
 * backfill writes what a streaming pipeline would have written then.
 */
import type { DatasetInfo, Interactions, ItemRecord } from '../data/types.js';
import { ITEM_ATTRIBUTES, ITEM_SNAPSHOT, ITEM_STATS, ITEM_TREND, PROFILE_CATEGORIES, TREND_HALF_LIVES_DAYS, USER_CATEGORIES, USER_STATS } from './definitions.js';
import { formatCategoryCount } from './pair.js';
import { DAY_MS } from './derived.js';
import { HistoryBuilder } from './history.js';
import { groupByCode, radixSortByFloat64, identityOrder } from './sort.js';
import type { FeatureGroup, FeatureHistory } from './types.js';

/** Input of the feature pipeline: the shape `loadDataset(store)` returns. */
export interface FeatureSourceData {
  readonly info: DatasetInfo;
  readonly interactions: Interactions;
  readonly items: readonly ItemRecord[];
}

/** Time of the one record of `item_attributes`: the Unix epoch, so every training row gets it. */
export const STATIC_RECORD_TIME = 0;

export function computeUserStats(data: FeatureSourceData): FeatureHistory {
  const { interactions } = data;
  return computeInteractionStats(USER_STATS, interactions.user, interactions.userIds, interactions);
}

export function computeItemStats(data: FeatureSourceData): FeatureHistory {
  const { interactions } = data;
  return computeInteractionStats(ITEM_STATS, interactions.item, interactions.itemIds, interactions);
}

/**
 * One record per (entity, distinct interaction time): the aggregates over every interaction of
 * the entity at or before that time. Interactions in the same millisecond land in one record, so
 * a join strictly before a label's time never includes a same-millisecond neighbour. The group's
 * stored features must be, in order: interaction count, weight sum, rating count, rating mean,
 * rating standard deviation, first and last interaction time.
 */
export function computeInteractionStats(group: FeatureGroup, entity: Int32Array, entityIds: readonly string[], interactions: Interactions): FeatureHistory {
  const builder = new HistoryBuilder(group);
  const { timestamp, rating, weight } = interactions;
  const sorted = groupByCode(entity, radixSortByFloat64(timestamp, timedInteractions(timestamp)), entityIds.length);

  for (let e = 0; e < entityIds.length; e++) {
    const start = sorted.offsets[e];
    const end = sorted.offsets[e + 1];
    let count = 0;
    let weightSum = 0;
    let ratingCount = 0;
    let ratingMean = 0;
    let ratingM2 = 0;
    const first = start < end ? timestamp[sorted.order[start]] : NaN;

    for (let p = start; p < end; p++) {
      const j = sorted.order[p];
      count++;
      weightSum += weight[j];
      const value = rating[j];
      if (!Number.isNaN(value)) {
        // Welford's update keeps the variance exact enough for long histories.
        ratingCount++;
        const delta = value - ratingMean;
        ratingMean += delta / ratingCount;
        ratingM2 += delta * (value - ratingMean);
      }
      const t = timestamp[j];
      const isLastAtTime = p + 1 === end || timestamp[sorted.order[p + 1]] !== t;
      if (!isLastAtTime) continue;

      builder.add(entityIds[e], t, t, [
        count,
        weightSum,
        ratingCount,
        ratingCount > 0 ? ratingMean : null,
        ratingCount > 0 ? Math.sqrt(ratingM2 / ratingCount) : null,
        first,
        t,
      ]);
    }
  }
  return builder.build();
}

/**
 * Builds one `item_trend` record per (item, distinct interaction time). For each half-life h it
 * holds the sum over the item's interactions at or before that time of 2^(-(time − interaction
 * time) / h), updated as S ← S · 2^(-Δt / h) + (interactions at the new time).
 */
export function computeItemTrend(data: FeatureSourceData): FeatureHistory {
  const { interactions } = data;
  const { timestamp } = interactions;
  const builder = new HistoryBuilder(ITEM_TREND);
  const sorted = groupByCode(interactions.item, radixSortByFloat64(timestamp, timedInteractions(timestamp)), interactions.itemIds.length);
  const halfLivesMs = TREND_HALF_LIVES_DAYS.map((days) => days * DAY_MS);
  const sums = new Float64Array(halfLivesMs.length);

  for (let e = 0; e < interactions.itemIds.length; e++) {
    sums.fill(0);
    let previous = Number.NaN;
    for (let p = sorted.offsets[e]; p < sorted.offsets[e + 1]; p++) {
      const t = timestamp[sorted.order[p]];
      if (t !== previous) {
        for (let h = 0; h < sums.length; h++) sums[h] = Number.isNaN(previous) ? 0 : sums[h] * Math.pow(2, -(t - previous) / halfLivesMs[h]);
        previous = t;
      }
      for (let h = 0; h < sums.length; h++) sums[h] += 1;
      const isLastAtTime = p + 1 === sorted.offsets[e + 1] || timestamp[sorted.order[p + 1]] !== t;
      if (isLastAtTime) builder.add(interactions.itemIds[e], t, t, [...sums, t]);
    }
  }
  return builder.build();
}

/**
 * Builds one `user_categories` record per (user, distinct time of an interaction with a
 * categorized item). It holds the user's interaction counts per category so far, the
 * PROFILE_CATEGORIES most frequent (ties by category), and the number of categorized
 * interactions. Categories come from the item metadata, which is taken as fixed over time.
 */
export function computeUserCategories(data: FeatureSourceData): FeatureHistory {
  const { interactions } = data;
  const { timestamp } = interactions;
  const builder = new HistoryBuilder(USER_CATEGORIES);
  const byItemId = new Map<string, readonly string[]>();
  for (const item of data.items) {
    const categories = [...new Set(item.categories.filter((c) => c !== ''))];
    if (categories.length > 0) byItemId.set(item.itemId, categories);
  }
  if (byItemId.size === 0) return builder.build();
  const itemCategories = interactions.itemIds.map((id) => byItemId.get(id) ?? null);
  const sorted = groupByCode(interactions.user, radixSortByFloat64(timestamp, timedInteractions(timestamp)), interactions.userIds.length);

  for (let u = 0; u < interactions.userIds.length; u++) {
    const counts = new Map<string, number>();
    let categorized = 0;
    let changed = false;
    for (let p = sorted.offsets[u]; p < sorted.offsets[u + 1]; p++) {
      const j = sorted.order[p];
      const categories = itemCategories[interactions.item[j]];
      if (categories !== null) {
        categorized++;
        changed = true;
        for (const category of categories) counts.set(category, (counts.get(category) ?? 0) + 1);
      }
      const t = timestamp[j];
      const isLastAtTime = p + 1 === sorted.offsets[u + 1] || timestamp[sorted.order[p + 1]] !== t;
      if (!isLastAtTime || !changed) continue;
      const top = [...counts.entries()].sort(byCountThenCategory).slice(0, PROFILE_CATEGORIES);
      builder.add(interactions.userIds[u], t, t, [top.map(([category, count]) => formatCategoryCount(category, count)), categorized]);
      changed = false;
    }
  }
  return builder.build();
}

/** Orders profile entries by count descending, then by category in code-unit order. */
function byCountThenCategory(a: [string, number], b: [string, number]): number {
  if (a[1] !== b[1]) return b[1] - a[1];
  if (a[0] === b[0]) return 0;
  return a[0] < b[0] ? -1 : 1;
}

/**
 * Indices of the interactions that have a time. An interaction without one cannot be placed in
 * a history, so it counts towards no feature; the pipeline reports how many there were.
 */
export function timedInteractions(timestamp: Float64Array): Uint32Array {
  const order = identityOrder(timestamp.length);
  let kept = 0;
  for (let j = 0; j < timestamp.length; j++) if (Number.isFinite(timestamp[j])) order[kept++] = j;
  return order.subarray(0, kept);
}

/** True when an item record carries any metadata (the dataset has empty records for items seen only in interactions). */
export function hasMetadata(item: ItemRecord): boolean {
  return (
    item.title !== null ||
    item.mainCategory !== null ||
    item.store !== null ||
    item.categories.length > 0 ||
    item.price !== null ||
    item.averageRating !== null ||
    item.ratingNumber !== null ||
    Object.keys(item.extra).length > 0
  );
}

/** Builds one record per item with metadata, at {@link STATIC_RECORD_TIME}. */
export function computeItemAttributes(data: FeatureSourceData): FeatureHistory {
  const builder = new HistoryBuilder(ITEM_ATTRIBUTES);
  for (const item of data.items) {
    if (!hasMetadata(item)) continue;
    const categories = item.categories.filter((c) => c !== '');
    builder.add(item.itemId, STATIC_RECORD_TIME, STATIC_RECORD_TIME, [
      item.mainCategory,
      item.store,
      categories[0] ?? null,
      categories,
      categories.length,
      item.title === null ? null : item.title.length,
    ]);
  }
  return builder.build();
}

/**
 * Builds one record per item that has any snapshot value, with event and created time = the ingest time:
 * the only moment those values are known to hold.
 */
export function computeItemSnapshot(data: FeatureSourceData): FeatureHistory {
  const builder = new HistoryBuilder(ITEM_SNAPSHOT);
  const at = data.info.ingestedAt;
  for (const item of data.items) {
    if (item.averageRating === null && item.ratingNumber === null && item.price === null) continue;
    builder.add(item.itemId, at, at, [item.averageRating, item.ratingNumber, item.price]);
  }
  return builder.build();
}
