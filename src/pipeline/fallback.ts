import type { Interactions } from '../data/types.js';
import type { MergedRetriever } from '../retrieval/merge-retriever.js';

/** Damping of the item bias: an item's bias counts as if it had this many extra ratings at the global mean. */
export const ITEM_BIAS_DAMPING = 5;

export interface FallbackList {
  readonly items: { itemId: string; score: number }[];
  readonly method: string;
}

/**
 * Builds the list every unknown user receives, `size` items at most, ordered by score descending then
 * item id ascending.
 * - Explicit data: the baseline estimate of a user with no ratings, μ + b_i, where μ is the mean
 *   rating and b_i = Σ(r − μ) / (n_i + ITEM_BIAS_DAMPING) over the item's n_i ratings. Items
 *   everyone rates low never lead the list, however often they are rated.
 * - Implicit data: the merged retriever's unknown-user candidates (popularity and the other
 *   sources' non-personalized orders), scored by their merged score.
 */
export function buildFallback(interactions: Interactions, explicit: boolean, retriever: MergedRetriever, size: number): FallbackList {
  if (!explicit) {
    const { candidates } = retriever.retrieve({ userId: '' });
    return { items: candidates.slice(0, size).map((c) => ({ itemId: c.itemId, score: c.score })), method: 'merged unknown-user candidates' };
  }
  return { items: baselineEstimates(interactions).slice(0, size), method: `global mean + damped item bias (damping ${ITEM_BIAS_DAMPING})` };
}

function baselineEstimates(interactions: Interactions): { itemId: string; score: number }[] {
  const items = interactions.itemIds.length;
  const sums = new Float64Array(items);
  const counts = new Float64Array(items);
  let total = 0;
  let rated = 0;
  for (let j = 0; j < interactions.rating.length; j++) {
    const r = interactions.rating[j];
    if (!Number.isFinite(r)) continue;
    total += r;
    rated++;
  }
  const mean = rated > 0 ? total / rated : 0;
  for (let j = 0; j < interactions.rating.length; j++) {
    const r = interactions.rating[j];
    if (!Number.isFinite(r)) continue;
    sums[interactions.item[j]] += r - mean;
    counts[interactions.item[j]]++;
  }
  const list: { itemId: string; score: number }[] = [];
  for (let i = 0; i < items; i++) {
    if (counts[i] === 0) continue;
    list.push({ itemId: interactions.itemIds[i], score: mean + sums[i] / (counts[i] + ITEM_BIAS_DAMPING) });
  }
  return list.sort((a, b) => (a.score !== b.score ? b.score - a.score : a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}
