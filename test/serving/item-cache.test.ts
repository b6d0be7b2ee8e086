import { describe, expect, it } from 'vitest';
import { ItemCache, MAX_CACHED_ITEMS } from '../../src/serving/item-cache.js';
import type { NamedValues } from '../../src/serving/types.js';

/** Creates a store of one value per item that logs its reads and can be made to fail. */
function fakeStore() {
  const values = new Map<string, number>();
  const reads: string[][] = [];
  let failing = false;
  return {
    values,
    reads,
    fail(on: boolean) {
      failing = on;
    },
    read: async (itemIds: readonly string[]): Promise<NamedValues[]> => {
      reads.push([...itemIds]);
      if (failing) throw new Error('store down');
      return itemIds.map((id) => ({ v: values.get(id) ?? null }));
    },
  };
}

const valuesOf = (rows: NamedValues[]) => rows.map((r) => r.v);

describe('ItemCache', () => {
  it('refreshes stale entries in the background', async () => {
    const store = fakeStore();
    store.values.set('A', 1);
    let clock = 0;
    const cache = new ItemCache(store.read, { maxAgeMs: 1_000, clockMs: () => clock, random: () => 0 });
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
    store.values.set('A', 2);

    clock = 499;
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
    await cache.idle();
    expect(store.reads).toEqual([['A']]);

    // At half of maxAgeMs (random 0) the old value is served once more and read again in the background.
    clock = 500;
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
    await cache.idle();
    expect(store.reads).toEqual([['A'], ['A']]);
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([2]);
  });

  it('reads an expired item within the request', async () => {
    const store = fakeStore();
    store.values.set('A', 1);
    let clock = 0;
    const cache = new ItemCache(store.read, { maxAgeMs: 1_000, clockMs: () => clock, random: () => 0 });
    await cache.get(['A', 'B'], 0);
    store.values.set('A', 2);
    store.values.set('B', 3);
    clock = 1_000;
    expect(valuesOf(await cache.get(['B', 'A'], 0))).toEqual([3, 2]);
    expect(store.reads).toEqual([['A', 'B'], ['B', 'A']]);
  });

  it('spreads refresh times between half and three quarters of maxAgeMs', async () => {
    const store = fakeStore();
    let clock = 0;
    const draws = [0, 0.999];
    const cache = new ItemCache(store.read, { maxAgeMs: 1_000, clockMs: () => clock, random: () => draws.shift() ?? 0 });
    await cache.get(['early', 'late'], 0);

    clock = 600;
    await cache.get(['early', 'late'], 0);
    await cache.idle();
    expect(store.reads).toEqual([['early', 'late'], ['early']]);

    clock = 750;
    await cache.get(['late'], 0);
    await cache.idle();
    expect(store.reads.at(-1)).toEqual(['late']);
  });

  it('keeps serving after a failed background read and tries again after a pause', async () => {
    const store = fakeStore();
    store.values.set('A', 1);
    let clock = 0;
    const errors: unknown[] = [];
    const cache = new ItemCache(store.read, { maxAgeMs: 10_000, clockMs: () => clock, random: () => 0, onRefreshError: (e) => errors.push(e) });
    await cache.get(['A'], 0);
    store.fail(true);

    clock = 5_000;
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
    await cache.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['store down']);

    // Within the retry pause the entry is served without another read.
    clock = 5_500;
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
    await cache.idle();
    expect(store.reads.length).toBe(2);

    store.fail(false);
    store.values.set('A', 2);
    clock = 6_000;
    await cache.get(['A'], 0);
    await cache.idle();
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([2]);
  });

  it('keeps a full cache when a background read refreshes items already in it', async () => {
    const store = fakeStore();
    let clock = 0;
    const cache = new ItemCache(store.read, { maxAgeMs: 1_000, clockMs: () => clock, random: () => 0 });
    const ids = Array.from({ length: MAX_CACHED_ITEMS - 100 }, (_, i) => `I${i}`);
    for (let start = 0; start < ids.length; start += 10_000) await cache.get(ids.slice(start, start + 10_000), 0);
    clock = 500;
    await cache.get(ids.slice(0, 300), 0);
    await cache.idle();
    expect(cache.size).toBe(MAX_CACHED_ITEMS - 100);
    // A read of 101 new items would pass the limit: the cache starts again from them.
    await cache.get(Array.from({ length: 101 }, (_, i) => `new${i}`), 0);
    expect(cache.size).toBe(101);
  });

  it('times out a hung background read', async () => {
    let clock = 0;
    let calls = 0;
    const errors: string[] = [];
    const cache = new ItemCache(
      async (ids) => {
        calls += 1;
        if (calls === 1) return ids.map(() => ({ v: 1 }));
        return new Promise<NamedValues[]>(() => {});
      },
      { maxAgeMs: 1_000, clockMs: () => clock, random: () => 0, refreshTimeoutMs: 20, onRefreshError: (e) => errors.push((e as Error).message) },
    );
    await cache.get(['A'], 0);
    clock = 500;
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
    await cache.idle();
    expect(errors).toEqual(['background read of item features timed out after 20 ms']);
    expect(valuesOf(await cache.get(['A'], 0))).toEqual([1]);
  });

  it('refreshes in batches of 256', async () => {
    const store = fakeStore();
    const times: number[] = [];
    let clock = 0;
    const cache = new ItemCache(
      async (ids, now) => {
        times.push(now);
        return store.read(ids);
      },
      { maxAgeMs: 1_000, clockMs: () => clock, random: () => 0 },
    );
    const ids = Array.from({ length: 600 }, (_, i) => `I${i}`);
    await cache.get(ids, 7);
    clock = 500;
    await cache.get(ids.slice(0, 300), 8);
    await cache.get(ids.slice(300), 9);
    await cache.idle();
    expect(store.reads.slice(1).map((r) => r.length)).toEqual([256, 256, 88]);
    // Queue order: I0..I299 at time 8, then I300..I599 at time 9; a batch reads as of its latest time.
    expect(times.slice(1)).toEqual([8, 9, 9]);
    expect(cache.size).toBe(600);
  });
});
