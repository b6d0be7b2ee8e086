import { describe, expect, it } from 'vitest';
import { mergeCandidates, RRF_K, type SourceCandidates } from '../../../src/retrieval/merge.js';
import { itemIdTieRank, topKIndices } from '../../../src/retrieval/merge-top.js';

const list = (source: string, ids: string[]): SourceCandidates => ({ source, items: ids.map((itemId, p) => ({ itemId, score: 10 - p })) });

describe('mergeCandidates', () => {
  it('fills quotas in source order without repeats', () => {
    const merged = mergeCandidates(
      [list('als', ['a', 'b', 'c', 'd']), list('popularity', ['b', 'e', 'f'])],
      [
        { source: 'als', quota: 2 },
        { source: 'popularity', quota: 2 },
      ],
      4,
    );
    expect(merged.map((c) => c.itemId).sort()).toEqual(['a', 'b', 'e', 'f']);
  });

  it('keeps per-source scores and ranks as features', () => {
    const merged = mergeCandidates(
      [list('als', ['a', 'b']), list('popularity', ['b', 'c'])],
      [
        { source: 'als', quota: 2 },
        { source: 'popularity', quota: 2 },
      ],
      3,
    );
    const b = merged.find((c) => c.itemId === 'b');
    expect(b?.extras).toEqual({ als_score: 9, als_rank: 2, popularity_score: 10, popularity_rank: 1, source_count: 2 });
    const a = merged.find((c) => c.itemId === 'a');
    expect(a?.extras).toEqual({ als_score: 10, als_rank: 1, source_count: 1 });
    expect(a?.extras).toBeDefined();
    expect(Object.hasOwn(a!.extras!, 'popularity_score')).toBe(false);
  });

  it('orders by reciprocal-rank fusion, then item id', () => {
    const merged = mergeCandidates(
      [list('als', ['x', 'b', 'a']), list('cooccurrence', ['z', 'b', 'a'])],
      [
        { source: 'als', quota: 3 },
        { source: 'cooccurrence', quota: 3 },
      ],
      10,
    );
    // b: 2/(60+2) beats a: 2/(60+3); x and z tie at 1/(60+1) and go by id.
    expect(merged.map((c) => c.itemId)).toEqual(['b', 'a', 'x', 'z']);
    expect(merged[0].score).toBeCloseTo(2 / (RRF_K + 2), 12);
    expect(merged[2].score).toBe(merged[3].score);
  });

  it('backfills slots a short list leaves', () => {
    const merged = mergeCandidates(
      [list('cooccurrence', ['a']), list('popularity', ['p1', 'p2', 'p3', 'p4'])],
      [
        { source: 'cooccurrence', quota: 3 },
        { source: 'popularity', quota: 1 },
      ],
      4,
    );
    expect(merged.map((c) => c.itemId).sort()).toEqual(['a', 'p1', 'p2', 'p3']);
  });

  it('stops at the count and at exhausted lists', () => {
    const big = mergeCandidates([list('als', ['a', 'b', 'c'])], [{ source: 'als', quota: 5 }], 2);
    expect(big).toHaveLength(2);
    const small = mergeCandidates([list('als', ['a'])], [{ source: 'als', quota: 5 }], 5);
    expect(small.map((c) => c.itemId)).toEqual(['a']);
  });

  it('keeps the first position of a repeated item', () => {
    const merged = mergeCandidates([list('als', ['a', 'a', 'b'])], [{ source: 'als', quota: 3 }], 3);
    expect(merged.map((c) => c.itemId)).toEqual(['a', 'b']);
    expect(merged[1].extras?.als_rank).toBe(3);
  });

  it('gives the same order for any input order', () => {
    const quotas = [
      { source: 'als', quota: 2 },
      { source: 'bpr', quota: 2 },
    ];
    const one = mergeCandidates([list('als', ['a', 'b', 'c']), list('bpr', ['c', 'd'])], quotas, 4);
    const two = mergeCandidates([list('bpr', ['c', 'd']), list('als', ['a', 'b', 'c'])], quotas, 4);
    expect(two).toEqual(one);
  });

  it('rejects lists of sources without a quota', () => {
    expect(() => mergeCandidates([list('svd', ['a'])], [{ source: 'als', quota: 1 }], 1)).toThrow(/source svd, which has no quota/);
    expect(() => mergeCandidates([list('als', ['a']), list('als', ['b'])], [{ source: 'als', quota: 1 }], 1)).toThrow(/two candidate lists from source als/);
  });
});

describe('topKIndices', () => {
  it('orders by score, then item id, skipping NaN and excluded items', () => {
    const ids = ['i3', 'i1', 'i2', 'i0', 'i4'];
    const scores = Float32Array.from([1, 2, 2, NaN, 5]);
    const excluded = Uint8Array.from([0, 0, 0, 0, 1]);
    const out = new Int32Array(4);
    const found = topKIndices(scores, 4, itemIdTieRank(ids), excluded, out);
    expect(found).toBe(3);
    // i1 and i2 tie at 2: i1 (index 1) first by id.
    expect(Array.from(out.subarray(0, found))).toEqual([1, 2, 0]);
  });

  it('matches a full sort on random scores', () => {
    const n = 500;
    const ids = Array.from({ length: n }, (_, i) => `item${(i * 7919) % n}`);
    let state = 1;
    const scores = Float32Array.from({ length: n }, () => {
      state = (state * 16807) % 2147483647;
      return Math.floor((state / 2147483647) * 50);
    });
    const tie = itemIdTieRank(ids);
    const out = new Int32Array(40);
    topKIndices(scores, 40, tie, null, out);
    const expected = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => scores[b] - scores[a] || tie[a] - tie[b])
      .slice(0, 40);
    expect(Array.from(out)).toEqual(expected);
  });
});
