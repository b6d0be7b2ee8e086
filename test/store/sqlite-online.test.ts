import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteOnlineStore, type SqliteOnlineStore } from '../../src/store/sqlite/online-store.js';
import type { OnlineRecord } from '../../src/store/types.js';

const record = (entityId: string, eventTime: number, values: OnlineRecord['values'], createdTime = eventTime): OnlineRecord => ({ entityId, eventTime, createdTime, values });

describe('SQLite online store', () => {
  let dir: string;
  let store: SqliteOnlineStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-online-'));
    store = await openSqliteOnlineStore(new URL(`sqlite://${dir}/online.sqlite`));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads 150 entities in request order with misses', async () => {
    const records = Array.from({ length: 150 }, (_, i) => record(`item-${i}`, 1000 + i, { n: i, tag: `t${i}`, list: ['a', String(i)] }));
    await store.putLatest('items_v1', records);
    const ids = [...Array.from({ length: 150 }, (_, i) => `item-${149 - i}`), 'missing', 'item-7'];
    const result = await store.getMany('items_v1', ids);
    expect(result).toHaveLength(152);
    for (let i = 0; i < 150; i++) expect(result[i]?.values.n).toBe(149 - i);
    expect(result[150]).toBeNull();
    expect(result[151]?.values).toEqual({ n: 7, tag: 't7', list: ['a', '7'] });
    expect(result[0]?.eventTime).toBe(1149);
  });

  it('returns an empty list for no ids', async () => {
    expect(await store.getMany('items_v1', [])).toEqual([]);
  });

  it('keeps groups apart', async () => {
    await store.putLatest('a', [record('x', 1, { v: 1 })]);
    await store.putLatest('b', [record('x', 1, { v: 2 })]);
    expect((await store.getMany('a', ['x']))[0]?.values.v).toBe(1);
    await store.clearGroup('a');
    expect(await store.getMany('a', ['x'])).toEqual([null]);
    expect((await store.getMany('b', ['x']))[0]?.values.v).toBe(2);
  });

  it('never replaces a record with an older one', async () => {
    await store.putLatest('g', [record('x', 100, { v: 'new' })]);
    await store.putLatest('g', [record('x', 50, { v: 'old' })]);
    expect((await store.getMany('g', ['x']))[0]?.values.v).toBe('new');
    // Same event time, later created time: a correction replaces the stored record.
    await store.putLatest('g', [record('x', 100, { v: 'corrected' }, 200)]);
    expect((await store.getMany('g', ['x']))[0]?.values.v).toBe('corrected');
    await store.putLatest('g', [record('x', 100, { v: 'stale' }, 150)]);
    expect((await store.getMany('g', ['x']))[0]?.values.v).toBe('corrected');
  });

  it('treats records older than the TTL as missing', async () => {
    await store.putLatest('g', [record('x', 1000, { v: 1 }), record('y', 900, { v: 2 })]);
    const result = await store.getMany('g', ['x', 'y'], { ttlMs: 100, now: 1000 + 100 });
    expect(result[0]?.values.v).toBe(1);
    expect(result[1]).toBeNull();
  });

  it('keeps null values null', async () => {
    await store.putLatest('g', [record('x', 1, { v: null, w: 0 })]);
    expect((await store.getMany('g', ['x']))[0]?.values).toEqual({ v: null, w: 0 });
  });

  it('rejects a record without a finite time', async () => {
    await expect(store.putLatest('g', [record('x', NaN, {})])).rejects.toThrow(/non-finite event or created time/);
    expect(await store.getMany('g', ['x'])).toEqual([null]);
  });

  it('uses WAL mode and survives reopening', async () => {
    await store.putLatest('g', [record('x', 1, { v: 1 })]);
    await store.close();
    const db = new Database(path.join(dir, 'online.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    store = await openSqliteOnlineStore(new URL(`sqlite://${dir}/online.sqlite`));
    expect((await store.getMany('g', ['x']))[0]?.values.v).toBe(1);
    await store.ping();
  });
});
