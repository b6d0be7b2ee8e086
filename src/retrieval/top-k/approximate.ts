import { createRequire } from 'node:module';
import { exactTopK, type TopKOptions, type TopKResult } from './exact.js';
import type { InnerProductScorer } from './types.js';

/**
 * Approximate top-K with a usearch HNSW index (usearch 2.25, inner-product metric, float32
 * vectors), behind the same result shape as `exactTopK`. The index proposes k + (the largest
 * exclusion count in the batch) items per user. Excluded items are dropped, and the rest are
 * re-scored exactly in float64 and ordered by the candidate rule, so only recall is approximate,
 * never a score or the tie order.
 *
 * `topK` picks exact search for catalogs of at most `EXACT_CATALOG_LIMIT` items: below that,
 * exact search is fast enough (see docs/benchmarks.md) and has recall 1.
 */

/** Largest catalog for which `topK` uses exact search when no method is given. */
export const EXACT_CATALOG_LIMIT = 100_000;

export interface ApproximateOptions extends TopKOptions {
  /** HNSW graph degree (usearch `connectivity`, default 32). */
  readonly connectivity?: number;
  /** Candidate list size while building (usearch `expansion_add`, default 128). */
  readonly expansionAdd?: number;
  /** Candidate list size while searching (usearch `expansion_search`, default 256). */
  readonly expansionSearch?: number;
  /** Users searched per batch (default 1,024). */
  readonly batchUsers?: number;
}

interface UsearchMatches {
  readonly keys: BigUint64Array;
  readonly counts: BigUint64Array;
  readonly k: number;
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads?: number): UsearchMatches;
}

interface UsearchModule {
  Index: new (config: { dimensions: number; metric: string; quantization: string; connectivity: number; expansion_add: number; expansion_search: number; multi: boolean }) => UsearchIndex;
}

let usearch: UsearchModule | undefined;

/** Loads usearch through its CommonJS entry: its ES module entry recurses forever on Node.js 20. */
function loadUsearch(): UsearchModule {
  usearch ??= createRequire(import.meta.url)('usearch') as UsearchModule;
  return usearch;
}

/** Builds an HNSW index over the item rows and searches every user; see the module notes. */
export async function approximateTopK(scorer: InnerProductScorer, options: ApproximateOptions): Promise<TopKResult> {
  const { nUsers, nItems, width } = scorer;
  const k = Math.min(options.k, nItems);
  const index = new (loadUsearch().Index)({
    dimensions: width,
    metric: 'ip',
    quantization: 'f32',
    connectivity: options.connectivity ?? 32,
    expansion_add: options.expansionAdd ?? 128,
    expansion_search: options.expansionSearch ?? 256,
    multi: false,
  });
  index.add(BigUint64Array.from({ length: nItems }, (_, i) => BigInt(i)), Float32Array.from(scorer.itemFactors), 0);

  const counts = new Int32Array(nUsers);
  const items = new Int32Array(nUsers * k);
  const scores = new Float64Array(nUsers * k);
  const exclusions = options.exclusions ?? null;
  const batchUsers = options.batchUsers ?? 1024;
  const excluded = new Uint8Array(nItems);
  const found: { item: number; score: number; rank: number }[] = [];

  for (let start = 0; start < nUsers; start += batchUsers) {
    const end = Math.min(nUsers, start + batchUsers);
    let extra = 0;
    if (exclusions) for (let u = start; u < end; u++) extra = Math.max(extra, exclusions.offsets[u + 1] - exclusions.offsets[u]);
    const want = Math.min(nItems, k + extra);
    const matches = index.search(Float32Array.from(scorer.userFactors.subarray(start * width, end * width)), want, 0);

    for (let u = start; u < end; u++) {
      if (exclusions) for (let p = exclusions.offsets[u]; p < exclusions.offsets[u + 1]; p++) excluded[exclusions.items[p]] = 1;
      found.length = 0;
      const row = (u - start) * matches.k;
      const count = Number(matches.counts[u - start]);
      for (let p = 0; p < count; p++) {
        const item = Number(matches.keys[row + p]);
        if (excluded[item]) continue;
        found.push({ item, score: exactScore(scorer, u, item), rank: options.tieRank[item] });
      }
      found.sort(compareFound);
      const kept = Math.min(k, found.length);
      for (let p = 0; p < kept; p++) {
        items[u * k + p] = found[p].item;
        scores[u * k + p] = found[p].score;
      }
      counts[u] = kept;
      if (exclusions) for (let p = exclusions.offsets[u]; p < exclusions.offsets[u + 1]; p++) excluded[exclusions.items[p]] = 0;
    }
  }
  return { k, counts, items, scores };
}

/** Runs exact search up to `EXACT_CATALOG_LIMIT` items and approximate search above, unless `method` names one. */
export async function topK(scorer: InnerProductScorer, options: ApproximateOptions & { method?: 'auto' | 'exact' | 'approximate' }): Promise<TopKResult> {
  const method = options.method ?? 'auto';
  const exact = method === 'exact' || (method === 'auto' && scorer.nItems <= EXACT_CATALOG_LIMIT);
  return exact ? exactTopK(scorer, options) : approximateTopK(scorer, options);
}

/** Orders proposals by exact score descending, then tie rank ascending. */
function compareFound(a: { score: number; rank: number }, b: { score: number; rank: number }): number {
  if (a.score !== b.score) return b.score > a.score ? 1 : -1;
  return a.rank - b.rank;
}

/** Returns userRow·itemRow + offset in float64, summed in factor order. */
function exactScore(scorer: InnerProductScorer, u: number, i: number): number {
  const { width, userFactors, itemFactors } = scorer;
  let dot = 0;
  for (let f = 0; f < width; f++) dot += userFactors[u * width + f] * itemFactors[i * width + f];
  return dot + (scorer.userOffset ? scorer.userOffset[u] : 0);
}

/** Returns the mean over users of |approximate ∩ exact| / |exact| for the first k items of each. */
export function recallAtK(exact: TopKResult, approximate: TopKResult): number {
  let sum = 0;
  let users = 0;
  const seen = new Set<number>();
  for (let u = 0; u < exact.counts.length; u++) {
    if (exact.counts[u] === 0) continue;
    seen.clear();
    for (let p = 0; p < exact.counts[u]; p++) seen.add(exact.items[u * exact.k + p]);
    let hits = 0;
    for (let p = 0; p < approximate.counts[u]; p++) if (seen.has(approximate.items[u * approximate.k + p])) hits++;
    sum += hits / exact.counts[u];
    users++;
  }
  return users === 0 ? 1 : sum / users;
}
