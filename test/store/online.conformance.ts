import { describe, expect } from 'vitest';
import type { OnlineRecord, OnlineStore } from '../../src/store/types.js';
import { defineCase, type StoreFactory } from './conformance.js';

const T0 = Date.UTC(2024, 0, 1);

function record(entityId: string, eventTime: number, createdTime: number, values: OnlineRecord['values'] = { score: eventTime }): OnlineRecord {
  return { entityId, eventTime, createdTime, values };
}

/** Registers the OnlineStore contract for one backend. */
export function onlineStoreConformance(name: string, factory: StoreFactory<OnlineStore>): void {
  describe(`OnlineStore conformance: ${name}`, () => {
    defineCase(factory, 'batch read keeps request order', async (store) => {
      await store.putLatest('users', [record('a', T0, T0), record('b', T0 + 1, T0 + 1), record('c', T0 + 2, T0 + 2)]);
      const got = await store.getMany('users', ['c', 'missing', 'a', 'c', 'b']);
      expect(got.map((r) => r?.entityId ?? null)).toEqual(['c', null, 'a', 'c', 'b']);
      expect(got[0]).toEqual(record('c', T0 + 2, T0 + 2));
      expect(await store.getMany('users', [])).toEqual([]);
      expect(await store.getMany('nobody-wrote-this-group', ['a'])).toEqual([null]);
    });

    defineCase(factory, 'round-trips every value kind', async (store) => {
      const values = {
        count: 42,
        mean: -0.1 + 0.2,
        tiny: 5e-324,
        big: 2 ** 53 - 1,
        category: 'Électronique & "Co"',
        categories: ['Books', 'ファンタジー', ''],
        empty_list: [],
        missing: null,
      };
      await store.putLatest('items', [record('item:1/ü', T0, T0 + 5, values)]);
      expect(await store.getMany('items', ['item:1/ü'])).toEqual([record('item:1/ü', T0, T0 + 5, values)]);
    });

    defineCase(factory, 'keeps the newest event and created time', async (store) => {
      await store.putLatest('g', [record('e', T0 + 100, T0 + 100, { v: 'first' })]);
      await store.putLatest('g', [record('e', T0 + 50, T0 + 500, { v: 'older event' })]);
      expect((await store.getMany('g', ['e']))[0]?.values).toEqual({ v: 'first' });
      await store.putLatest('g', [record('e', T0 + 100, T0 + 99, { v: 'older created' })]);
      expect((await store.getMany('g', ['e']))[0]?.values).toEqual({ v: 'first' });
      await store.putLatest('g', [record('e', T0 + 100, T0 + 100, { v: 'same times' })]);
      expect((await store.getMany('g', ['e']))[0]?.values).toEqual({ v: 'same times' });
      await store.putLatest('g', [record('e', T0 + 100, T0 + 101, { v: 'newer created' })]);
      expect((await store.getMany('g', ['e']))[0]?.values).toEqual({ v: 'newer created' });
      await store.putLatest('g', [record('e', T0 + 200, T0 + 1, { v: 'newer event' })]);
      expect(await store.getMany('g', ['e'])).toEqual([record('e', T0 + 200, T0 + 1, { v: 'newer event' })]);
    });

    defineCase(factory, 'newest wins inside one batch', async (store) => {
      await store.putLatest('g', [record('e', T0 + 2, T0, { v: 2 }), record('e', T0 + 1, T0, { v: 1 }), record('e', T0 + 3, T0, { v: 3 }), record('e', T0 + 3, T0 - 1, { v: 0 })]);
      expect((await store.getMany('g', ['e']))[0]?.values).toEqual({ v: 3 });
    });

    defineCase(factory, 'TTL hides stale records', async (store) => {
      await store.putLatest('g', [record('old', T0, T0), record('new', T0 + 10_000, T0 + 10_000)]);
      const got = await store.getMany('g', ['old', 'new'], { ttlMs: 5_000, now: T0 + 12_000 });
      expect(got.map((r) => r?.entityId ?? null)).toEqual([null, 'new']);
      const atEdge = await store.getMany('g', ['old'], { ttlMs: 5_000, now: T0 + 5_000 });
      expect(atEdge[0]?.entityId).toBe('old');
      expect((await store.getMany('g', ['old']))[0]?.entityId).toBe('old');
    });

    defineCase(factory, 'groups are separate', async (store) => {
      await store.putLatest('users', [record('x', T0, T0, { kind: 'user' })]);
      await store.putLatest('items', [record('x', T0, T0, { kind: 'item' })]);
      expect((await store.getMany('users', ['x']))[0]?.values).toEqual({ kind: 'user' });
      await store.clearGroup('items');
      expect(await store.getMany('items', ['x'])).toEqual([null]);
      expect((await store.getMany('users', ['x']))[0]?.values).toEqual({ kind: 'user' });
      await store.clearGroup('never-written');
    });

    defineCase(factory, 'writes and reads large batches', async (store) => {
      const records = Array.from({ length: 1_000 }, (_, i) => record(`e${i}`, T0 + i, T0 + i, { i, name: `entity ${i}` }));
      await store.putLatest('bulk', records);
      const ids = records.map((r) => r.entityId).reverse();
      const got = await store.getMany('bulk', ids);
      expect(got).toHaveLength(records.length);
      expect(got[0]).toEqual(records[records.length - 1]);
      expect(got[records.length - 1]).toEqual(records[0]);
      expect(got.every((r, i) => r?.entityId === ids[i])).toBe(true);
    });

    defineCase(factory, 'rejects a record without finite times', async (store) => {
      await expect(store.putLatest('g', [record('ok', T0, T0), record('bad', Number.NaN, T0)])).rejects.toThrow(/bad/);
      await expect(store.putLatest('g', [record('', T0, T0)])).rejects.toThrow();
    });

    defineCase(factory, 'ping and close are idempotent', async (store) => {
      await store.ping();
      await store.close();
      await store.close();
    });
  });
}
