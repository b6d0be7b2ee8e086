import { listCount, type IndexLists } from './index-lists.js';
import { normalizeCutoffs } from './ranking-metrics.js';

/**
 * Properties of a set of top-K lists as a whole, for each cutoff K:
 * - `coverage@K`: distinct items in any top-K list / catalog size.
 * - `arp@K` (average recommendation popularity): mean over lists of the mean training
 *   popularity (interaction count) of the list's first K items.
 * - `tail_share@K`: share of all top-K slots filled by items outside the short head, the 20 %
 *   most popular items of the catalog.
 */
export type CatalogMetrics = Readonly<Record<string, number>>;

/** Fraction of the catalog, by popularity rank, that forms the short head. */
export const SHORT_HEAD_FRACTION = 0.2;

/**
 * Computes coverage, average recommendation popularity and long-tail share of ranked lists.
 * `popularity[i]` is the number of training interactions of item i (shape [itemCount]); ties in
 * popularity are broken by item index when the short head is chosen.
 */
export function computeCatalogMetrics(
  ranked: IndexLists,
  popularity: ArrayLike<number>,
  cutoffs: readonly number[],
): CatalogMetrics {
  const itemCount = popularity.length;
  const ks = normalizeCutoffs(cutoffs);
  const inHead = shortHeadMask(popularity);
  const rows = listCount(ranked);
  const result: Record<string, number> = {};

  for (const k of ks) {
    const seen = new Uint8Array(itemCount);
    let distinct = 0;
    let popularitySum = 0;
    let listsWithItems = 0;
    let slots = 0;
    let tailSlots = 0;
    for (let r = 0; r < rows; r++) {
      const start = ranked.offsets[r];
      const end = Math.min(ranked.offsets[r + 1], start + k);
      if (end === start) continue;
      let listPopularity = 0;
      for (let p = start; p < end; p++) {
        const item = ranked.items[p];
        if (item < 0 || item >= itemCount) throw new RangeError(`item index ${item} in list ${r} is outside [0, ${itemCount})`);
        if (seen[item] === 0) {
          seen[item] = 1;
          distinct++;
        }
        listPopularity += popularity[item];
        if (inHead[item] === 0) tailSlots++;
      }
      popularitySum += listPopularity / (end - start);
      listsWithItems++;
      slots += end - start;
    }
    result[`coverage@${k}`] = itemCount === 0 ? Number.NaN : distinct / itemCount;
    result[`arp@${k}`] = listsWithItems === 0 ? Number.NaN : popularitySum / listsWithItems;
    result[`tail_share@${k}`] = slots === 0 ? Number.NaN : tailSlots / slots;
  }
  return result;
}

/** Names of the catalog metrics for the given cutoffs, in report order. */
export function catalogMetricNames(cutoffs: readonly number[]): string[] {
  const ks = normalizeCutoffs(cutoffs);
  return ['coverage', 'arp', 'tail_share'].flatMap((metric) => ks.map((k) => `${metric}@${k}`));
}

/** 1 for the ceil(20 %) most popular items (ties by lower index), 0 for the rest. */
function shortHeadMask(popularity: ArrayLike<number>): Uint8Array {
  const itemCount = popularity.length;
  const order = Array.from({ length: itemCount }, (_, i) => i);
  order.sort((a, b) => popularity[b] - popularity[a] || a - b);
  const mask = new Uint8Array(itemCount);
  const headSize = Math.ceil(itemCount * SHORT_HEAD_FRACTION);
  for (let i = 0; i < headSize; i++) mask[order[i]] = 1;
  return mask;
}
