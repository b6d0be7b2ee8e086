import { hashString } from '../data/hash.js';
import type { Interactions } from '../data/types.js';
import { linearQuantile } from '../eval/splits.js';

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
 * Time that splits the interactions for ranker training: the `fraction` quantile of the valid
 * event times (ms), interpolated as the evaluation's temporal split does, so both cut at the same
 * time. Interactions before it train the retrieval model that proposes candidates; those at or
 * after it are the labels. NaN when no interaction has a valid time.
 */
export function quantileTime(timestamps: Float64Array, fraction: number): number {
  const valid = Float64Array.from(timestamps.filter((t) => Number.isFinite(t)));
  return valid.length === 0 ? Number.NaN : linearQuantile(valid, fraction);
}

/**
 * Key of the set of (user, item, time) interactions, whatever their order and index space: the
 * count and an order-independent sum of per-interaction hashes. Equal sets give equal keys; a
 * collision between different sets is about as likely as one of two random 53-bit hashes.
 */
export function interactionSetKey(interactions: Interactions): string {
  // The 53-bit hashes are summed as two exact 26/27-bit halves, so the sum never rounds.
  let low = 0;
  let high = 0;
  for (let j = 0; j < interactions.user.length; j++) {
    const text = `${interactions.userIds[interactions.user[j]]}\u0000${interactions.itemIds[interactions.item[j]]}\u0000${interactions.timestamp[j]}`;
    const hash = hashString(text);
    low += hash % 2 ** 26;
    high += Math.floor(hash / 2 ** 26);
  }
  return `${interactions.user.length}:${high}:${low}`;
}

/** Item ids per user index, in interaction order. */
export function itemsByUser(interactions: Interactions): string[][] {
  const lists: string[][] = interactions.userIds.map(() => []);
  for (let j = 0; j < interactions.user.length; j++) lists[interactions.user[j]].push(interactions.itemIds[interactions.item[j]]);
  return lists;
}
