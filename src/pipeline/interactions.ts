import type { Interactions } from '../data/types.js';

/**
 * Returns the interactions `keep` accepts, with the same user and item id lists, so dense indices stay
 * the same across subsets (a user without kept interactions keeps an index and no data).
 */
export function subsetInteractions(interactions: Interactions, keep: (j: number) => boolean): Interactions {
  const chosen: number[] = [];
  for (let j = 0; j < interactions.user.length; j++) if (keep(j)) chosen.push(j);
  const pick = <T extends Int32Array | Float64Array | Float32Array>(source: T, target: T): T => {
    chosen.forEach((j, k) => {
      target[k] = source[j];
    });
    return target;
  };
  return {
    userIds: interactions.userIds,
    itemIds: interactions.itemIds,
    user: pick(interactions.user, new Int32Array(chosen.length)),
    item: pick(interactions.item, new Int32Array(chosen.length)),
    rating: pick(interactions.rating, new Float64Array(chosen.length)),
    weight: pick(interactions.weight, new Float32Array(chosen.length)),
    timestamp: pick(interactions.timestamp, new Float64Array(chosen.length)),
  };
}

/**
 * Time that splits the interactions for ranker training: the `fraction` quantile of the event
 * times (ms). Interactions before it train the retrieval model that proposes candidates; those at
 * or after it are the labels.
 */
export function quantileTime(timestamps: Float64Array, fraction: number): number {
  const valid = Float64Array.from(timestamps.filter((t) => Number.isFinite(t))).sort();
  if (valid.length === 0) return Number.NaN;
  const index = Math.min(valid.length - 1, Math.max(0, Math.floor(fraction * valid.length)));
  return valid[index];
}

/** Item ids per user index, in interaction order. */
export function itemsByUser(interactions: Interactions): string[][] {
  const lists: string[][] = interactions.userIds.map(() => []);
  for (let j = 0; j < interactions.user.length; j++) lists[interactions.user[j]].push(interactions.itemIds[interactions.item[j]]);
  return lists;
}
