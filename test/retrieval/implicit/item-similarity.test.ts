import { describe, expect, it } from 'vitest';
import { buildCsr } from '../../../src/retrieval/implicit/csr.js';
import { cosineNeighbours, scoreFromNeighbours } from '../../../src/retrieval/implicit/item-similarity.js';
import { countDistinctUsers, countRecentUsers } from '../../../src/retrieval/implicit/popularity.js';

// Users x items: u0 {0, 1, 2}, u1 {0, 1}, u2 {1, 3}, u3 {3}.
const matrix = buildCsr(Int32Array.from([0, 0, 0, 1, 1, 2, 2, 3]), Int32Array.from([0, 1, 2, 0, 1, 1, 3, 3]), new Float32Array(8).fill(1), 4, 5);

describe('cosineNeighbours', () => {
  it('computes exact cosine similarities', () => {
    const n = cosineNeighbours(matrix, 10);
    const neighboursOf = (i: number) =>
      Array.from(n.indices.subarray(n.indptr[i], n.indptr[i + 1])).map((j, p) => [j, n.similarity[n.indptr[i] + p]]);
    // Item 0 (users 0, 1) with item 1 (users 0, 1, 2): 2 / sqrt(2 * 3); with item 2 (user 0): 1 / sqrt(2).
    const of0 = neighboursOf(0);
    expect(of0.map(([j]) => j)).toEqual([1, 2]);
    expect(of0[0][1]).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(of0[1][1]).toBeCloseTo(1 / Math.sqrt(2), 6);
    // Item 3 (users 2, 3) shares only user 2 with item 1.
    expect(neighboursOf(3).map(([j]) => j)).toEqual([1]);
    expect(neighboursOf(3)[0][1]).toBeCloseTo(1 / Math.sqrt(6), 6);
    // Item 4 has no users and no neighbours.
    expect(neighboursOf(4)).toEqual([]);
  });

  it('keeps the top neighbours with ties by index', () => {
    // Item 1's neighbours: item 0 (2/sqrt(6)), item 2 (1/sqrt(3)) and item 3 (1/sqrt(6)).
    const n = cosineNeighbours(matrix, 2);
    expect(Array.from(n.indices.subarray(n.indptr[1], n.indptr[2]))).toEqual([0, 2]);
    // Two items with the same users tie: the smaller index comes first.
    const twins = buildCsr(Int32Array.from([0, 0, 0]), Int32Array.from([0, 1, 2]), new Float32Array(3).fill(1), 1, 3);
    const t = cosineNeighbours(twins, 1);
    expect(Array.from(t.indices)).toEqual([1, 0, 0]);
  });

  it('rejects a neighbour count below 1', () => {
    expect(() => cosineNeighbours(matrix, 0)).toThrow(/neighbours must be an integer >= 1, got 0/);
  });
});

describe('scoreFromNeighbours', () => {
  it('sums similarities and leaves unreached items NaN', () => {
    const n = cosineNeighbours(matrix, 10);
    const out = new Float32Array(5);
    scoreFromNeighbours(n, [0, 3], null, out);
    // Item 1 is reached from item 0 (2/sqrt(6)) and item 3 (1/sqrt(6)).
    expect(out[1]).toBeCloseTo(3 / Math.sqrt(6), 6);
    expect(out[2]).toBeCloseTo(1 / Math.sqrt(2), 6);
    expect(Number.isNaN(out[4])).toBe(true);
  });

  it('weights each history item by its value', () => {
    const n = cosineNeighbours(matrix, 10);
    const out = new Float32Array(5);
    scoreFromNeighbours(n, [0], [3], out);
    expect(out[2]).toBeCloseTo(3 / Math.sqrt(2), 5);
  });
});

describe('popularity counts', () => {
  const user = Int32Array.from([0, 0, 1, 2, 2]);
  const item = Int32Array.from([1, 1, 1, 0, 2]);
  const day = 86_400_000;
  const time = Float64Array.from([0, day, 5 * day, 9 * day, 10 * day]);

  it('counts distinct users per item', () => {
    expect(Array.from(countDistinctUsers(user, item, 4))).toEqual([1, 2, 1, 0]);
  });

  it('counts users within the recent window', () => {
    // Window of 5 days ending at the last event (day 10): days 5 … 10.
    expect(Array.from(countRecentUsers(user, item, time, 4, 5 * day))).toEqual([1, 1, 1, 0]);
    expect(() => countRecentUsers(user, item, time, 4, 0)).toThrow(/window must be a positive number of ms, got 0/);
  });
});
