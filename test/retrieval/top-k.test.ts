import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareScoredItems } from '../../src/retrieval/types.js';
import { exactTopK } from '../../src/retrieval/top-k/exact.js';
import { buildExclusions } from '../../src/retrieval/top-k/exclusions.js';
import { SelectionHeap, selectTopK, tieRanks } from '../../src/retrieval/top-k/select.js';
import type { InnerProductScorer } from '../../src/retrieval/top-k/types.js';
import { sharedPath } from '../helpers/shared.js';

/** A small deterministic generator (mulberry32) for test data. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Factors rounded to quarters, so many scores tie exactly. */
function randomScorer(nUsers: number, nItems: number, width: number, seed: number): InnerProductScorer {
  const random = generator(seed);
  const quarter = () => Math.round(random() * 8 - 4) / 4;
  return {
    userFactors: Float64Array.from({ length: nUsers * width }, quarter),
    itemFactors: Float64Array.from({ length: nItems * width }, quarter),
    width,
    nUsers,
    nItems,
    userOffset: Float64Array.from({ length: nUsers }, () => random()),
  };
}

function bruteForce(scorer: InnerProductScorer, itemIds: string[], excluded: Set<string>[], k: number) {
  return Array.from({ length: scorer.nUsers }, (_, u) => {
    const scored = itemIds
      .map((itemId, i) => {
        let dot = 0;
        for (let f = 0; f < scorer.width; f++) dot += scorer.userFactors[u * scorer.width + f] * scorer.itemFactors[i * scorer.width + f];
        return { itemId, score: dot };
      })
      .filter((c) => !excluded[u].has(c.itemId));
    return scored.sort(compareScoredItems).slice(0, k).map((c) => c.itemId);
  });
}

describe('exact top-K', () => {
  const nUsers = 70;
  const nItems = 90;
  const scorer = randomScorer(nUsers, nItems, 5, 7);
  // Ids whose code-unit order differs from index order.
  const itemIds = Array.from({ length: nItems }, (_, i) => `item-${(i * 37) % nItems}`);
  const random = generator(11);
  const user = new Int32Array(600);
  const item = new Int32Array(600);
  for (let j = 0; j < user.length; j++) {
    user[j] = Math.floor(random() * nUsers);
    item[j] = Math.floor(random() * nItems);
  }
  // User 3 has interacted with every item but five.
  const full = Array.from({ length: nItems - 5 }, (_, i) => i);
  const exclusions = buildExclusions(nUsers, Int32Array.from([...user, ...full.map(() => 3)]), Int32Array.from([...item, ...full]));
  const excludedSets = Array.from({ length: nUsers }, (_, u) => new Set(Array.from(exclusions.items.subarray(exclusions.offsets[u], exclusions.offsets[u + 1]), (i) => itemIds[i])));
  const expected = bruteForce(scorer, itemIds, excludedSets, 20);
  const tieRank = tieRanks(itemIds);

  it('matches brute force with ties', async () => {
    const result = await exactTopK(scorer, { k: 20, tieRank, exclusions, threads: 1, blockSize: 8 });
    for (let u = 0; u < nUsers; u++) {
      const got = Array.from(result.items.subarray(u * 20, u * 20 + result.counts[u]), (i) => itemIds[i]);
      expect(got).toEqual(expected[u]);
    }
  });

  it('never returns an excluded item', async () => {
    const result = await exactTopK(scorer, { k: 20, tieRank, exclusions, threads: 1 });
    for (let u = 0; u < nUsers; u++) {
      for (let p = 0; p < result.counts[u]; p++) expect(excludedSets[u].has(itemIds[result.items[u * 20 + p]])).toBe(false);
    }
  });

  it('returns fewer when few items remain', async () => {
    const result = await exactTopK(scorer, { k: 20, tieRank, exclusions, threads: 1 });
    expect(result.counts[3]).toBe(5);
    expect(result.counts[0]).toBe(20);
  });

  it('adds the user offset to scores', async () => {
    const result = await exactTopK(scorer, { k: 20, tieRank, threads: 1 });
    const u = 5;
    const i = result.items[u * 20];
    let dot = 0;
    for (let f = 0; f < 5; f++) dot += scorer.userFactors[u * 5 + f] * scorer.itemFactors[i * 5 + f];
    expect(result.scores[u * 20]).toBeCloseTo(dot + scorer.userOffset![u], 12);
  });

  it('threads and block sizes agree', async () => {
    const one = await exactTopK(scorer, { k: 20, tieRank, exclusions, threads: 1, blockSize: 64 });
    const two = await exactTopK(scorer, { k: 20, tieRank, exclusions, threads: 2, blockSize: 3 });
    expect(two.counts).toEqual(one.counts);
    expect(two.items).toEqual(one.items);
    expect(two.scores).toEqual(one.scores);
  });

  it('k larger than the catalog', async () => {
    const result = await exactTopK(scorer, { k: 500, tieRank, threads: 1 });
    expect(result.k).toBe(nItems);
    expect(result.counts[0]).toBe(nItems);
  });

  it('rejects mismatched shapes', async () => {
    await expect(exactTopK({ ...scorer, nItems: nItems + 1 }, { k: 5, tieRank, threads: 1 })).rejects.toThrow(/tieRank has length 90, expected 91/);
    await expect(exactTopK(scorer, { k: 0, tieRank, threads: 1 })).rejects.toThrow(/k must be a positive integer/);
  });
});

describe('selectTopK ordering', () => {
  it('orders clipped-looking scores unclipped', () => {
    const lines = readFileSync(sharedPath('cases/B19/retrieval_clip_input.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
    const itemIds = lines.map((line) => line.split(',')[0]);
    const scores = Float64Array.from(lines, (line) => Number(line.split(',')[1]));
    const out = new Int32Array(4);
    const count = selectTopK(scores, 0, scores.length, 4, tieRanks(itemIds), new SelectionHeap(4), out, 0);
    expect(count).toBe(4);
    expect(Array.from(out, (i) => itemIds[i])).toEqual(['PX1905', 'PX1903', 'PX1906', 'PX1904']);
  });

  it('breaks ties by item id', () => {
    const itemIds = ['b', 'a', 'c', 'aa'];
    const scores = Float64Array.from([1, 1, 2, 1]);
    const out = new Int32Array(3);
    selectTopK(scores, 0, 4, 3, tieRanks(itemIds), new SelectionHeap(3), out, 0);
    expect(Array.from(out, (i) => itemIds[i])).toEqual(['c', 'a', 'aa']);
  });

  it('skips NaN scores', () => {
    const out = new Int32Array(3);
    const count = selectTopK(Float64Array.from([Number.NaN, 1, Number.NaN]), 0, 3, 3, Int32Array.from([0, 1, 2]), new SelectionHeap(3), out, 0);
    expect(count).toBe(1);
    expect(out[0]).toBe(1);
  });
});

describe('buildExclusions', () => {
  it('sorts, deduplicates and skips unknown indices', () => {
    const lists = buildExclusions(3, Int32Array.from([2, 0, 2, 2, -1, 1]), Int32Array.from([5, 1, 3, 5, 4, -1]));
    expect(Array.from(lists.offsets)).toEqual([0, 1, 1, 3]);
    expect(Array.from(lists.items)).toEqual([1, 3, 5]);
  });
});
