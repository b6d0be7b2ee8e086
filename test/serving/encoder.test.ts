import { describe, expect, it } from 'vitest';
import { ByNameEncoder, RETRIEVAL_RANK_FEATURE, RETRIEVAL_SCORE_FEATURE, retrievalRanks, type EncoderSpec } from '../../src/serving/encoder.js';
import type { NamedValues } from '../../src/serving/types.js';
import type { Candidate } from '../../src/store/types.js';

const SPEC: EncoderSpec = {
  format: 'twostage-encoder',
  version: 1,
  columns: [
    { name: 'age', source: 'age', kind: 'numeric' },
    { name: 'item_mean', source: 'item_mean', kind: 'numeric' },
    { name: 'cat=a', source: 'cat', kind: 'one_hot', category: 'a' },
    { name: 'tags=x', source: 'tags', kind: 'one_hot', category: 'x' },
    { name: RETRIEVAL_SCORE_FEATURE, source: RETRIEVAL_SCORE_FEATURE, kind: 'numeric' },
    { name: RETRIEVAL_RANK_FEATURE, source: RETRIEVAL_RANK_FEATURE, kind: 'numeric' },
    { name: 'als_score', source: 'als_score', kind: 'numeric' },
    { name: 'shared', source: 'shared', kind: 'numeric' },
  ],
};

const USER: NamedValues = { age: 31, shared: 5, cat: 'b' };
const ITEMS: NamedValues[] = [
  { item_mean: 4.5, cat: 'a', tags: ['x', 'y'], shared: 1 },
  { item_mean: null, cat: null, tags: ['y'], shared: null },
  { item_mean: 'text', cat: 'c', tags: null, age: 50 },
  {},
];

/** Rows of `encodeRow`, one candidate at a time: the reference `encode` must equal. */
function rowByRow(encoder: ByNameEncoder, user: NamedValues, items: readonly NamedValues[], candidates: readonly Candidate[]): Float32Array {
  const width = encoder.featureNames.length;
  const out = new Float32Array(candidates.length * width);
  const ranks = retrievalRanks(candidates);
  candidates.forEach((candidate, row) => encoder.encodeRow(user, items[row] ?? {}, candidate, out, row * width, ranks[row]));
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe('ByNameEncoder.encode', () => {
  const sorted: Candidate[] = [
    { itemId: 'I1', score: 0.9, extras: { als_score: 2.5 } },
    { itemId: 'I2', score: 0.9 },
    { itemId: 'I3', score: 0.4, extras: { shared: 7, unrelated: 1 } },
    { itemId: 'I4', score: 0.1, extras: {} },
  ];

  it('equals encodeRow on stored order', () => {
    const encoder = new ByNameEncoder(SPEC);
    const out = new Float32Array(sorted.length * SPEC.columns.length);
    encoder.encode({ user: USER, items: ITEMS, candidates: sorted }, out);
    expect(sameBits(out, rowByRow(encoder, USER, ITEMS, sorted))).toBe(true);
  });

  it('equals encodeRow on unsorted candidates', () => {
    const shuffled = [sorted[2], sorted[0], sorted[3], sorted[1]];
    const items = [ITEMS[2], ITEMS[0], ITEMS[3], ITEMS[1]];
    const encoder = new ByNameEncoder(SPEC);
    const out = new Float32Array(shuffled.length * SPEC.columns.length);
    encoder.encode({ user: USER, items, candidates: shuffled }, out);
    expect(sameBits(out, rowByRow(encoder, USER, items, shuffled))).toBe(true);
    expect(Array.from(retrievalRanks(shuffled))).toEqual([3, 1, 4, 2]);
  });

  it('fills missing items from the user', () => {
    const encoder = new ByNameEncoder(SPEC);
    const width = SPEC.columns.length;
    const out = new Float32Array(sorted.length * width);
    encoder.encode({ user: USER, items: ITEMS.slice(0, 2), candidates: sorted }, out);
    expect(sameBits(out, rowByRow(encoder, USER, ITEMS.slice(0, 2), sorted))).toBe(true);
    // Row 3 has no item values: age and shared come from the user, cat=b is not a.
    expect(Array.from(out.subarray(3 * width, 3 * width + 4))).toEqual([31, Number.NaN, 0, Number.NaN]);
  });

  it('reuses an item encoding across users', () => {
    const encoder = new ByNameEncoder(SPEC);
    const out = new Float32Array(sorted.length * SPEC.columns.length);
    encoder.encode({ user: USER, items: ITEMS, candidates: sorted }, out);
    const otherUser: NamedValues = { age: 70, cat: 'a' };
    encoder.encode({ user: otherUser, items: ITEMS, candidates: sorted }, out);
    expect(sameBits(out, rowByRow(encoder, otherUser, ITEMS, sorted))).toBe(true);
  });

  it('pair columns override item and user values', () => {
    // NaN in a pair column overrides as a missing value.
    const encoder = new ByNameEncoder(SPEC);
    const width = SPEC.columns.length;
    const out = new Float32Array(sorted.length * width);
    const nan = Number.NaN;
    const pairColumns = {
      names: ['shared', 'age', 'unused_by_model'],
      values: [Float64Array.of(0.25, nan, nan, 0.5), Float64Array.of(nan, nan, 9, nan), Float64Array.of(1, 2, 3, 4)],
    };
    encoder.encode({ user: USER, items: ITEMS, candidates: sorted, pairColumns }, out);

    const plain = new Float32Array(sorted.length * width);
    encoder.encode({ user: USER, items: ITEMS, candidates: sorted }, plain);
    // Columns fed by no pair name are untouched; `shared` (7) and `age` (0) take the pair values.
    for (let row = 0; row < sorted.length; row++) {
      for (const j of [1, 2, 3, 4, 5, 6]) expect(Object.is(out[row * width + j], plain[row * width + j])).toBe(true);
    }
    expect(out[0 * width + 7]).toBe(0.25);
    expect(out[3 * width + 7]).toBe(0.5);
    expect(out[1 * width + 7]).toBeNaN();
    expect(out[2 * width + 0]).toBe(9);
    expect(out[0 * width + 0]).toBeNaN();
  });

  it('keeps the cached item row when pairs vary', () => {
    const encoder = new ByNameEncoder(SPEC);
    const width = SPEC.columns.length;
    const out = new Float32Array(sorted.length * width);
    encoder.encode({ user: USER, items: ITEMS, candidates: sorted, pairColumns: { names: ['item_mean'], values: [Float64Array.of(1, 1, 1, 1)] } }, out);
    encoder.encode({ user: USER, items: ITEMS, candidates: sorted }, out);
    expect(out[0 * width + 1]).toBe(4.5);
  });
});
