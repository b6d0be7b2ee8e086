import { listCount, type IndexLists } from './index-lists.js';

/** Cutoffs used when the caller gives none. */
export const DEFAULT_CUTOFFS: readonly number[] = [10, 20, 100];

/**
 * Metric values of ranked lists against relevant sets. Keys are `recall@K`, `precision@K`,
 * `ndcg@K`, `map@K`, `hit_rate@K` for each cutoff K, and `mrr`.
 */
export interface RankingMetrics {
  /** Cutoffs, ascending. */
  readonly cutoffs: readonly number[];
  /** Rows with at least one relevant item; only they enter the means. */
  readonly evaluatedCount: number;
  /** Value per row and metric, shape [rows]; NaN for rows without relevant items. */
  readonly perUser: Readonly<Record<string, Float64Array>>;
  /** Mean per metric over the evaluated rows; NaN when no row was evaluated. */
  readonly mean: Readonly<Record<string, number>>;
}

/** Names of the per-user ranking metrics for the given cutoffs, in report order. */
export function rankingMetricNames(cutoffs: readonly number[]): string[] {
  const names: string[] = [];
  for (const metric of ['recall', 'precision', 'ndcg', 'map', 'hit_rate']) {
    for (const k of cutoffs) names.push(`${metric}@${k}`);
  }
  names.push('mrr');
  return names;
}

/**
 * Checks and normalizes a cutoff list: positive integers, ascending, without repeats.
 * Throws a RangeError naming the bad value.
 */
export function normalizeCutoffs(cutoffs: readonly number[]): number[] {
  if (cutoffs.length === 0) throw new RangeError('at least one cutoff K is required');
  for (const k of cutoffs) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`invalid cutoff K = ${k}: expected a positive integer`);
  }
  return [...new Set(cutoffs)].sort((a, b) => a - b);
}

/**
 * Computes Recall@K, Precision@K, NDCG@K, MAP@K, HitRate@K and MRR of ranked lists.
 *
 * Row r of `ranked` (best first, at least max(K) items long when that many are eligible) is judged
 * against row r of `relevant`; relevant items repeated in a row count once. Definitions, with
 * hits(K) the relevant items among the first K and R the number of relevant items:
 * - Recall@K = hits(K) / R; Precision@K = hits(K) / K (K, not the list length, is the divisor).
 * - NDCG@K: binary gain, DCG = Σ over hits at 1-based rank i ≤ K of 1 / log2(i + 1), divided by
 *   the ideal DCG of min(R, K) hits at the top.
 * - MAP@K: Σ over hits at rank i ≤ K of Precision@i, divided by min(R, K).
 * - HitRate@K: 1 when hits(K) > 0. MRR: 1 / rank of the first hit in the whole list, 0 without one.
 * Relevant items at or beyond `itemCount` can never be ranked but still count in R.
 */
export function computeRankingMetrics(
  ranked: IndexLists,
  relevant: IndexLists,
  itemCount: number,
  cutoffs: readonly number[] = DEFAULT_CUTOFFS,
): RankingMetrics {
  const rows = listCount(ranked);
  if (listCount(relevant) !== rows) {
    throw new RangeError(`ranked lists (${rows} rows) and relevant sets (${listCount(relevant)} rows) differ in length`);
  }
  const ks = normalizeCutoffs(cutoffs);
  const names = rankingMetricNames(ks);
  const perUser: Record<string, Float64Array> = {};
  for (const name of names) perUser[name] = new Float64Array(rows);

  const recall = ks.map((k) => perUser[`recall@${k}`]);
  const precision = ks.map((k) => perUser[`precision@${k}`]);
  const ndcg = ks.map((k) => perUser[`ndcg@${k}`]);
  const map = ks.map((k) => perUser[`map@${k}`]);
  const hitRate = ks.map((k) => perUser[`hit_rate@${k}`]);
  const mrr = perUser.mrr;

  // relevantRow[item] === r marks the relevant items of row r; no clearing between rows.
  const relevantRow = new Int32Array(itemCount).fill(-1);
  const maxK = ks[ks.length - 1];
  const idealDcg = idealDcgTable(maxK);
  let evaluatedCount = 0;

  for (let r = 0; r < rows; r++) {
    const relevantCount = markRelevant(relevant, r, relevantRow, itemCount);
    if (relevantCount === 0) {
      for (const name of names) perUser[name][r] = Number.NaN;
      continue;
    }
    evaluatedCount++;

    const start = ranked.offsets[r];
    const length = ranked.offsets[r + 1] - start;
    let hits = 0;
    let dcg = 0;
    let precisionSum = 0;
    let firstHitRank = 0;
    let cutoffIndex = 0;
    for (let position = 0; position < length || cutoffIndex < ks.length; position++) {
      const rank = position + 1;
      if (position < length) {
        const item = ranked.items[start + position];
        if (item >= 0 && item < itemCount && relevantRow[item] === r) {
          // Mark the item used, so a repeated item in the list never counts twice.
          relevantRow[item] = -1;
          hits++;
          if (rank <= maxK) {
            dcg += 1 / Math.log2(rank + 1);
            precisionSum += hits / rank;
          }
          if (firstHitRank === 0) firstHitRank = rank;
        }
      }
      while (cutoffIndex < ks.length && ks[cutoffIndex] === rank) {
        const k = ks[cutoffIndex];
        const idealHits = Math.min(relevantCount, k);
        recall[cutoffIndex][r] = hits / relevantCount;
        precision[cutoffIndex][r] = hits / k;
        ndcg[cutoffIndex][r] = dcg / idealDcg[idealHits];
        map[cutoffIndex][r] = precisionSum / idealHits;
        hitRate[cutoffIndex][r] = hits > 0 ? 1 : 0;
        cutoffIndex++;
      }
      if (cutoffIndex === ks.length && firstHitRank !== 0) break;
    }
    mrr[r] = firstHitRank === 0 ? 0 : 1 / firstHitRank;
  }

  const mean: Record<string, number> = {};
  for (const name of names) mean[name] = meanIgnoringNaN(perUser[name]);
  return { cutoffs: ks, evaluatedCount, perUser, mean };
}

/** Marks row r's relevant items in `relevantRow` and returns how many distinct items it has. */
function markRelevant(relevant: IndexLists, r: number, relevantRow: Int32Array, itemCount: number): number {
  let count = 0;
  let outsideCatalog = 0;
  for (let p = relevant.offsets[r]; p < relevant.offsets[r + 1]; p++) {
    const item = relevant.items[p];
    if (item >= 0 && item < itemCount) {
      if (relevantRow[item] === r) continue;
      relevantRow[item] = r;
      count++;
    } else {
      outsideCatalog++;
    }
  }
  // NOTE: items outside the catalog are counted per occurrence, so callers pass distinct items.
  return count + outsideCatalog;
}

/** idealDcg[n] = Σ_{i=1..n} 1 / log2(i + 1), for n = 0 … maxK. */
function idealDcgTable(maxK: number): Float64Array {
  const table = new Float64Array(maxK + 1);
  for (let n = 1; n <= maxK; n++) table[n] = table[n - 1] + 1 / Math.log2(n + 1);
  return table;
}

/** Mean of the non-NaN entries, NaN when there are none. */
export function meanIgnoringNaN(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== value) continue;
    sum += value;
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}
