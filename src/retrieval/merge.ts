import type { RetrievalSourceShare } from '../config/retrieval-sources.js';
import type { Candidate } from '../store/types.js';
import { compareScoredItems } from './types.js';

/**
 * Merging of candidate lists from several retrieval sources into one list per user.
 *
 * Selection: each source gets a quota of slots (see sourceQuotas). Sources are visited in the
 * configured order; each walks its own list from the top and adds items not chosen yet until its
 * quota is filled or its list ends. When slots remain (a short list, for example co-occurrence
 * for a user with little history), the sources take turns in the same order, one new item per
 * turn, until `count` items are chosen or every list is used up.
 *
 * Features: every chosen item carries, for each source whose list contains it, `<source>_score`
 * (the source's own score) and `<source>_rank` (1-based position in that list); a source that did
 * not list the item leaves both keys out, which the ranker reads as missing. `source_count` is the
 * number of sources that listed it.
 *
 * Order: by reciprocal-rank fusion, score = sum over listing sources of 1 / (60 + rank), highest
 * first, then item id ascending (code-unit order) for equal scores. The merged order is therefore
 * a pure function of the input lists.
 */

/** Constant of reciprocal-rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009). */
export const RRF_K = 60;

export interface ScoredItem {
  readonly itemId: string;
  readonly score: number;
}

/** One source's candidates for one user, best first (rank = position + 1). */
export interface SourceCandidates {
  /** Source name; the feature prefix (`als` gives `als_score`, `als_rank`). */
  readonly source: string;
  readonly items: readonly ScoredItem[];
}

/** Slots of one source in the merged list. */
export interface SourceQuota {
  readonly source: string;
  readonly quota: number;
}

/**
 * Turns configured shares into slot counts that sum to `count`: floor(share · count / total),
 * then one more slot to each source in the listed order until the rounding remainder is used.
 * Sources with share 0 are left out.
 */
export function sourceQuotas(shares: readonly RetrievalSourceShare[], count: number): SourceQuota[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`candidate count must be a positive integer, got ${count}`);
  const active = shares.filter((s) => s.share > 0);
  const total = active.reduce((sum, s) => sum + s.share, 0);
  if (total === 0) throw new RangeError('at least one source needs a share above 0');
  const quotas = active.map((s) => ({ source: s.source, quota: Math.floor((s.share * count) / total) }));
  let left = count - quotas.reduce((sum, q) => sum + q.quota, 0);
  for (let k = 0; left > 0; k = (k + 1) % quotas.length, left--) quotas[k].quota++;
  return quotas;
}

/**
 * Merges per-source lists into at most `count` distinct candidates (see the module comment for
 * the rules). Every list must belong to a source in `quotas`; a source without a list counts as
 * an empty list. Repeated items within one list keep their first position.
 */
export function mergeCandidates(lists: readonly SourceCandidates[], quotas: readonly SourceQuota[], count: number): Candidate[] {
  const bySource = indexLists(lists, quotas);
  const cursors = quotas.map(() => 0);
  const chosen = new Set<string>();

  // Quota pass: each source in order fills its own slots.
  for (let s = 0; s < quotas.length && chosen.size < count; s++) {
    const list = bySource[s];
    let added = 0;
    while (added < quotas[s].quota && cursors[s] < list.length && chosen.size < count) {
      const itemId = list[cursors[s]++].itemId;
      if (chosen.has(itemId)) continue;
      chosen.add(itemId);
      added++;
    }
  }

  // Backfill pass: sources take turns, one new item each, while slots and items remain.
  let progressed = true;
  while (chosen.size < count && progressed) {
    progressed = false;
    for (let s = 0; s < quotas.length && chosen.size < count; s++) {
      const list = bySource[s];
      while (cursors[s] < list.length) {
        const itemId = list[cursors[s]++].itemId;
        if (chosen.has(itemId)) continue;
        chosen.add(itemId);
        progressed = true;
        break;
      }
    }
  }

  return [...chosen].map((itemId) => describe(itemId, quotas, bySource)).sort(compareScoredItems);
}

/** Position of each item in each source list, for the features. */
const positionsCache = new WeakMap<readonly ScoredItem[], Map<string, number>>();

function positionsOf(list: readonly ScoredItem[]): Map<string, number> {
  let positions = positionsCache.get(list);
  if (positions === undefined) {
    positions = new Map();
    for (let p = 0; p < list.length; p++) if (!positions.has(list[p].itemId)) positions.set(list[p].itemId, p);
    positionsCache.set(list, positions);
  }
  return positions;
}

function describe(itemId: string, quotas: readonly SourceQuota[], bySource: readonly (readonly ScoredItem[])[]): Candidate {
  const extras: Record<string, number> = {};
  let fused = 0;
  let sources = 0;
  for (let s = 0; s < quotas.length; s++) {
    const position = positionsOf(bySource[s]).get(itemId);
    if (position === undefined) continue;
    const rank = position + 1;
    extras[`${quotas[s].source}_score`] = bySource[s][position].score;
    extras[`${quotas[s].source}_rank`] = rank;
    fused += 1 / (RRF_K + rank);
    sources++;
  }
  extras.source_count = sources;
  return { itemId, score: fused, extras };
}

function indexLists(lists: readonly SourceCandidates[], quotas: readonly SourceQuota[]): Array<readonly ScoredItem[]> {
  const names = new Set<string>();
  for (const q of quotas) {
    if (names.has(q.source)) throw new RangeError(`source ${q.source} has two quotas`);
    if (!Number.isInteger(q.quota) || q.quota < 0) throw new RangeError(`quota of ${q.source} must be a non-negative integer, got ${q.quota}`);
    names.add(q.source);
  }
  const bySource: Array<readonly ScoredItem[]> = quotas.map(() => []);
  const seen = new Set<string>();
  for (const list of lists) {
    const s = quotas.findIndex((q) => q.source === list.source);
    if (s < 0) throw new RangeError(`candidates from source ${list.source}, which has no quota (sources: ${[...names].join(', ')})`);
    if (seen.has(list.source)) throw new RangeError(`two candidate lists from source ${list.source}`);
    seen.add(list.source);
    bySource[s] = list.items;
  }
  return bySource;
}
