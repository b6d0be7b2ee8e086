import { describe, expect, it } from 'vitest';
import {
  computeCatalogMetrics,
  computeRankingMetrics,
  computeRatingErrors,
  evaluateFullRanking,
  groupDistinctItemsByUser,
  indexListsFromArrays,
  selectTopK,
  tieRankByItemId,
  identityTieRank,
} from '../../src/eval/metrics.js';

const log2 = Math.log2;

describe('computeRankingMetrics', () => {
  // One list: hits at ranks 2 and 5 out of two relevant items.
  const ranked = indexListsFromArrays([[3, 1, 4, 0, 2]]);
  const relevant = indexListsFromArrays([[1, 2]]);
  const result = computeRankingMetrics(ranked, relevant, 5, [1, 3, 5]);

  it('computes recall and precision at each cutoff', () => {
    expect(result.mean['recall@1']).toBe(0);
    expect(result.mean['recall@3']).toBe(0.5);
    expect(result.mean['recall@5']).toBe(1);
    expect(result.mean['precision@1']).toBe(0);
    expect(result.mean['precision@3']).toBeCloseTo(1 / 3, 12);
    expect(result.mean['precision@5']).toBeCloseTo(2 / 5, 12);
  });

  it('computes binary-gain NDCG with ideal DCG over min(R, K)', () => {
    const ideal2 = 1 + 1 / log2(3);
    expect(result.mean['ndcg@1']).toBe(0);
    expect(result.mean['ndcg@3']).toBeCloseTo(1 / log2(3) / ideal2, 12);
    expect(result.mean['ndcg@5']).toBeCloseTo((1 / log2(3) + 1 / log2(6)) / ideal2, 12);
    expect(result.mean['ndcg@5']).toBeCloseTo(0.624051, 6);
  });

  it('computes MAP, hit rate and MRR', () => {
    expect(result.mean['map@1']).toBe(0);
    expect(result.mean['map@3']).toBeCloseTo(0.5 / 2, 12);
    expect(result.mean['map@5']).toBeCloseTo((1 / 2 + 2 / 5) / 2, 12);
    expect(result.mean['hit_rate@1']).toBe(0);
    expect(result.mean['hit_rate@3']).toBe(1);
    expect(result.mean.mrr).toBe(0.5);
  });

  it('divides precision by K when the list is shorter', () => {
    const short = computeRankingMetrics(indexListsFromArrays([[5]]), indexListsFromArrays([[5, 6]]), 10, [3]);
    expect(short.mean['recall@3']).toBe(0.5);
    expect(short.mean['precision@3']).toBeCloseTo(1 / 3, 12);
    expect(short.mean['ndcg@3']).toBeCloseTo(1 / (1 + 1 / log2(3)), 12);
    expect(short.mean['map@3']).toBe(0.5);
  });

  it('skips rows without relevant items in the means', () => {
    const two = computeRankingMetrics(indexListsFromArrays([[0, 1], [0, 1]]), indexListsFromArrays([[0], []]), 2, [1]);
    expect(two.evaluatedCount).toBe(1);
    expect(two.perUser['recall@1'][1]).toBeNaN();
    expect(two.mean['recall@1']).toBe(1);
    expect(two.mean.mrr).toBe(1);
  });

  it('counts an item repeated in the list once', () => {
    const repeated = computeRankingMetrics(indexListsFromArrays([[2, 2, 3]]), indexListsFromArrays([[2, 3]]), 4, [2]);
    expect(repeated.mean['recall@2']).toBe(0.5);
    expect(repeated.mean['precision@2']).toBe(0.5);
  });

  it('counts relevant items outside the catalog in R', () => {
    const outside = computeRankingMetrics(indexListsFromArrays([[0]]), indexListsFromArrays([[0, 9]]), 2, [1]);
    expect(outside.mean['recall@1']).toBe(0.5);
  });

  it('gives MRR zero without any hit', () => {
    const miss = computeRankingMetrics(indexListsFromArrays([[0, 1]]), indexListsFromArrays([[2]]), 3, [2]);
    expect(miss.mean.mrr).toBe(0);
    expect(miss.mean['ndcg@2']).toBe(0);
  });

  it('rejects invalid cutoffs', () => {
    expect(() => computeRankingMetrics(ranked, relevant, 5, [0])).toThrow(/cutoff K = 0/);
    expect(() => computeRankingMetrics(ranked, relevant, 5, [])).toThrow(/at least one cutoff/);
  });

  it('rejects mismatched row counts', () => {
    expect(() => computeRankingMetrics(ranked, indexListsFromArrays([[1], [2]]), 5, [1])).toThrow(/differ in length/);
  });
});

describe('selectTopK', () => {
  const scores = Float32Array.from([1, 2, 2, 0.5, 2, Number.NaN]);

  it('breaks score ties by lower tie rank', () => {
    const out = new Int32Array(3);
    const count = selectTopK(scores, 3, identityTieRank(6), out);
    expect(count).toBe(3);
    expect(Array.from(out)).toEqual([1, 2, 4]);
  });

  it('follows a custom tie rank', () => {
    const out = new Int32Array(2);
    selectTopK(scores, 2, Int32Array.from([5, 4, 3, 2, 1, 0]), out);
    expect(Array.from(out)).toEqual([4, 2]);
  });

  it('skips NaN scores and returns fewer items', () => {
    const out = new Int32Array(10);
    const count = selectTopK(scores, 10, identityTieRank(6), out);
    expect(count).toBe(5);
    expect(Array.from(out.subarray(0, count))).toEqual([1, 2, 4, 0, 3]);
  });

  it('matches a full sort on random scores', () => {
    let state = 12345;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values = Float32Array.from({ length: 500 }, () => Math.floor(random() * 50) / 10);
    const out = new Int32Array(37);
    selectTopK(values, 37, identityTieRank(500), out);
    const expected = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b).slice(0, 37);
    expect(Array.from(out)).toEqual(expected);
  });
});

describe('tieRankByItemId', () => {
  it('orders raw ids by code unit as serving does', () => {
    expect(Array.from(tieRankByItemId(['10', '9', '2']))).toEqual([0, 2, 1]);
  });
});

describe('computeCatalogMetrics', () => {
  it('computes coverage, average popularity and tail share', () => {
    const lists = indexListsFromArrays([[0, 1], [0, 2]]);
    const result = computeCatalogMetrics(lists, [10, 5, 1, 0, 0], [1, 2]);
    expect(result['coverage@1']).toBe(1 / 5);
    expect(result['coverage@2']).toBe(3 / 5);
    expect(result['arp@1']).toBe(10);
    expect(result['arp@2']).toBe((7.5 + 5.5) / 2);
    expect(result['tail_share@1']).toBe(0);
    expect(result['tail_share@2']).toBe(0.5);
  });
});

describe('computeRatingErrors', () => {
  it('computes RMSE and MAE over rated pairs', () => {
    const errors = computeRatingErrors([3, 4, 1], [4, 2, Number.NaN]);
    expect(errors.count).toBe(2);
    expect(errors.rmse).toBeCloseTo(Math.sqrt(5 / 2), 12);
    expect(errors.mae).toBe(1.5);
  });

  it('rejects a NaN prediction for a rated pair', () => {
    expect(() => computeRatingErrors([Number.NaN], [3])).toThrow(/prediction 0 is NaN/);
  });
});

describe('evaluateFullRanking', () => {
  // Four items with popularity scores 3, 3, 2, 1; ties broken by item index.
  const popularityScore = Float32Array.from([3, 3, 2, 1]);
  const scoreUser = (_user: number, out: Float32Array) => out.set(popularityScore);
  const trainItems = indexListsFromArrays([[0], [1, 2], [0, 1, 2, 3]]);
  const testItems = indexListsFromArrays([[1, 3, 3], [0, 2], [0]]);

  const result = evaluateFullRanking({
    itemCount: 4,
    users: Int32Array.from([0, 1, 2]),
    trainItems,
    testItems,
    scoreUser,
    cutoffs: [1, 2],
    popularity: [3, 3, 2, 1],
  });

  it('excludes training items and breaks ties by item id', () => {
    expect(Array.from(result.ranked.items.subarray(result.ranked.offsets[0], result.ranked.offsets[1]))).toEqual([1, 2]);
    expect(Array.from(result.ranked.items.subarray(result.ranked.offsets[1], result.ranked.offsets[2]))).toEqual([0, 3]);
  });

  it('drops held-out items the user trained on and users left without any', () => {
    expect(Array.from(result.users)).toEqual([0, 1]);
    expect(result.skippedUsers).toBe(1);
    expect(Array.from(result.relevant.items)).toEqual([1, 3, 0]);
  });

  it('averages the metrics over evaluated users', () => {
    // User 0: relevant {1, 3}, list [1, 2]; user 1: relevant {0}, list [0, 3].
    expect(result.metrics.mean['recall@1']).toBe((0.5 + 1) / 2);
    expect(result.metrics.mean['precision@2']).toBe((0.5 + 0.5) / 2);
    expect(result.metrics.mean['ndcg@2']).toBeCloseTo((1 / (1 + 1 / log2(3)) + 1) / 2, 12);
    expect(result.metrics.mean.mrr).toBe(1);
    expect(result.catalog?.['coverage@2']).toBe(1);
  });

  it('keeps held-out items outside the catalog relevant', () => {
    const outside = evaluateFullRanking({
      itemCount: 4,
      users: Int32Array.from([0]),
      trainItems: indexListsFromArrays([[]]),
      testItems: indexListsFromArrays([[7, 0]]),
      scoreUser,
      cutoffs: [1],
    });
    expect(outside.unrankableTestItems).toBe(1);
    expect(outside.metrics.mean['recall@1']).toBe(0.5);
    expect(outside.metrics.mean['ndcg@1']).toBe(1);
  });
});

describe('groupDistinctItemsByUser', () => {
  it('keeps distinct items in first-occurrence order', () => {
    const lists = groupDistinctItemsByUser(3, Int32Array.from([2, 0, 2, 2]), Int32Array.from([5, 1, 4, 5]));
    expect(Array.from(lists.offsets)).toEqual([0, 1, 1, 3]);
    expect(Array.from(lists.items)).toEqual([1, 5, 4]);
  });
});
