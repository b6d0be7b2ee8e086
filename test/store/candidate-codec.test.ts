import { describe, expect, it } from 'vitest';
import { decodeCandidates, encodeCandidates } from '../../src/store/remote/candidate-codec.js';

describe('candidate codec', () => {
  const items = Array.from({ length: 100 }, (_, i) => ({
    itemId: `B0${String(1_000_000 + i * 7919)}`,
    score: Math.sin(i + 1) * 3.123456789,
    extras: { als_score: Math.cos(i) / 7, als_rank: i + 1, pop_rank: 100 - i },
  }));

  it('round-trips scores and extras exactly', () => {
    const mixed = [
      { itemId: 'a', score: 1, extras: { x: 0.1 } },
      { itemId: 'ü', score: -0, extras: { y: -5e-324 } },
      { itemId: 'c', score: Number.MAX_VALUE },
    ];
    expect(decodeCandidates(encodeCandidates({ userId: 'u', items: mixed }))).toEqual(mixed);
    expect(decodeCandidates(encodeCandidates({ userId: 'u', items }))).toEqual(items);
    expect(decodeCandidates(encodeCandidates({ userId: 'u', items: [] }))).toEqual([]);
  });

  it('round-trips non-ASCII and long ids', () => {
    // A length prefix of 128 bytes or more has a byte of 0x80 or more, like a non-ASCII id.
    // The decoder cuts ASCII ids from one decoded run and decodes any other run id by id.
    const long = { itemId: 'L'.repeat(200), score: 2 };
    const lists = [
      [long, { itemId: 'short', score: 1 }],
      [{ itemId: 'a', score: 3 }, { itemId: 'B0€9', score: 2, extras: { n: 1 } }, { itemId: 'z', score: 1 }],
      [{ itemId: 'ascii', score: 1, extras: { 'naïve': 4 } }],
    ];
    for (const list of lists) expect(decodeCandidates(encodeCandidates({ userId: 'u', items: list }))).toEqual(list);
  });

  it('is smaller than JSON', () => {
    const binary = encodeCandidates({ userId: 'u', items }).length;
    const json = Buffer.byteLength(JSON.stringify(items));
    expect(binary).toBeLessThan(json * 0.6);
  });

  it('rejects non-finite scores and empty ids', () => {
    expect(() => encodeCandidates({ userId: 'u', items: [{ itemId: 'a', score: Number.NaN }] })).toThrow(/user u/);
    expect(() => encodeCandidates({ userId: 'u', items: [{ itemId: '', score: 1 }] })).toThrow(/item id/);
    expect(() => encodeCandidates({ userId: 'u', items: [{ itemId: 'a', score: 1, extras: { r: Infinity } }] })).toThrow(/extras/);
  });

  it('rejects an unknown format', () => {
    expect(() => decodeCandidates(Buffer.from([9, 0, 0, 0, 0, 0, 0]))).toThrow(/unknown format/);
  });
});
