import { describe, expect, it } from 'vitest';
import type { Interactions } from '../../src/data/types.js';
import { interactionSetKey, quantileTime, subsetInteractions } from '../../src/pipeline/interactions.js';

function interactions(rows: [string, string, number][], userIds?: string[], itemIds?: string[]): Interactions {
  const users = userIds ?? [...new Set(rows.map((r) => r[0]))];
  const items = itemIds ?? [...new Set(rows.map((r) => r[1]))];
  return {
    userIds: users,
    itemIds: items,
    user: Int32Array.from(rows, (r) => users.indexOf(r[0])),
    item: Int32Array.from(rows, (r) => items.indexOf(r[1])),
    rating: new Float64Array(rows.length).fill(Number.NaN),
    weight: new Float32Array(rows.length).fill(1),
    timestamp: Float64Array.from(rows, (r) => r[2]),
  };
}

const rows: [string, string, number][] = [
  ['u1', 'a', 10],
  ['u2', 'b', 20],
  ['u1', 'c', 30],
];

describe('interactionSetKey', () => {
  it('ignores order and index space', () => {
    const reordered = interactions([rows[2], rows[0], rows[1]], ['u2', 'u1'], ['c', 'b', 'a']);
    expect(interactionSetKey(reordered)).toBe(interactionSetKey(interactions(rows)));
  });

  it('changes with any field', () => {
    const key = interactionSetKey(interactions(rows));
    expect(interactionSetKey(interactions([rows[0], rows[1], ['u1', 'c', 31]]))).not.toBe(key);
    expect(interactionSetKey(interactions([rows[0], rows[1], ['u2', 'c', 30]]))).not.toBe(key);
    expect(interactionSetKey(interactions([rows[0], rows[1]]))).not.toBe(key);
  });
});

describe('quantileTime', () => {
  it('interpolates between order statistics', () => {
    expect(quantileTime(Float64Array.from([40, 10, 30, 20, 50]), 0.8)).toBe(42);
    expect(quantileTime(Float64Array.from([10, Number.NaN, 20]), 0.5)).toBe(15);
  });

  it('returns NaN without valid times', () => {
    expect(quantileTime(Float64Array.from([Number.NaN]), 0.8)).toBeNaN();
  });
});

describe('subsetInteractions', () => {
  it('keeps ids and dense indices', () => {
    const all = interactions(rows);
    const early = subsetInteractions(all, (j) => all.timestamp[j] < 25);
    expect(early.userIds).toBe(all.userIds);
    expect(Array.from(early.user)).toEqual([0, 1]);
    expect(Array.from(early.item)).toEqual([0, 1]);
    expect(Array.from(early.timestamp)).toEqual([10, 20]);
  });
});
