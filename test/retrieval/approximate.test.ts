import { describe, expect, it } from 'vitest';
import { EXACT_CATALOG_LIMIT, approximateTopK, recallAtK, topK } from '../../src/retrieval/top-k/approximate.js';
import { exactTopK } from '../../src/retrieval/top-k/exact.js';
import { buildExclusions } from '../../src/retrieval/top-k/exclusions.js';
import type { InnerProductScorer } from '../../src/retrieval/top-k/types.js';

function values(length: number, seed: number): Float64Array {
  let state = seed;
  return Float64Array.from({ length }, () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647 - 0.5;
  });
}

describe('approximate top-K', () => {
  const nUsers = 200;
  const nItems = 800;
  const width = 16;
  const scorer: InnerProductScorer = { userFactors: values(nUsers * width, 3), itemFactors: values(nItems * width, 5), width, nUsers, nItems, userOffset: values(nUsers, 7) };
  const user = Int32Array.from({ length: nUsers * 30 }, (_, j) => Math.floor(j / 30));
  const item = Int32Array.from({ length: nUsers * 30 }, (_, j) => (j * 7919) % nItems);
  const exclusions = buildExclusions(nUsers, user, item);
  const tieRank = Int32Array.from({ length: nItems }, (_, i) => i);
  // One index build serves every case: building is the slow part.
  const approximateResult = approximateTopK(scorer, { k: 50, tieRank, exclusions, connectivity: 16, expansionAdd: 64, expansionSearch: 128 });

  it('recall is high and scores are exact', async () => {
    const exact = await exactTopK(scorer, { k: 50, tieRank, exclusions, threads: 1 });
    const approximate = await approximateResult;
    expect(recallAtK(exact, approximate)).toBeGreaterThan(0.9);
    for (let u = 0; u < nUsers; u++) {
      expect(approximate.counts[u]).toBe(50);
      for (let p = 0; p < approximate.counts[u]; p++) {
        const i = approximate.items[u * 50 + p];
        let dot = 0;
        for (let f = 0; f < width; f++) dot += scorer.userFactors[u * width + f] * scorer.itemFactors[i * width + f];
        expect(approximate.scores[u * 50 + p]).toBe(dot + scorer.userOffset![u]);
        if (p > 0) expect(approximate.scores[u * 50 + p]).toBeLessThanOrEqual(approximate.scores[u * 50 + p - 1]);
      }
    }
  });

  it('never returns an excluded item', async () => {
    const approximate = await approximateResult;
    for (let u = 0; u < nUsers; u++) {
      const excluded = new Set(exclusions.items.subarray(exclusions.offsets[u], exclusions.offsets[u + 1]));
      for (let p = 0; p < approximate.counts[u]; p++) expect(excluded.has(approximate.items[u * 50 + p])).toBe(false);
    }
  });

  it('auto mode is exact below the limit', async () => {
    expect(nItems).toBeLessThan(EXACT_CATALOG_LIMIT);
    const auto = await topK(scorer, { k: 10, tieRank, exclusions, threads: 1 });
    const exact = await exactTopK(scorer, { k: 10, tieRank, exclusions, threads: 1 });
    expect(auto.items).toEqual(exact.items);
  });
});
