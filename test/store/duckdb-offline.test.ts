import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDuckDbOfflineStore, type DuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import type { ColumnBatch, TableSchema } from '../../src/store/types.js';

const EVENTS: TableSchema = {
  name: 'events',
  columns: [
    { name: 'id', type: 'INTEGER' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'at', type: 'BIGINT' },
    { name: 'score', type: 'DOUBLE' },
    { name: 'flag', type: 'BOOLEAN' },
    { name: 'payload', type: 'JSON' },
  ],
};

let dir: string;
let store: DuckDbOfflineStore;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'twostage-duckdb-'));
  store = await openDuckDbOfflineStore(new URL(`duckdb://${path.join(dir, 'offline.duckdb')}`));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDB offline store', () => {
  it('round-trips JSON, BIGINT and null', async () => {
    const payload = { text: 'quote " and \u00e9', list: [1, 'two', null], nested: { ok: true } };
    await store.appendRows(EVENTS, [
      [1, 'a', 1_700_000_000_123, 0.5, true, payload],
      [2, null, null, null, null, null],
      [3, '', 2 ** 53 - 1, -0.25, false, ['x']],
    ]);
    const batch = await store.readTable('events');
    expect(batch.id).toEqual([1, 2, 3]);
    expect(batch.name).toEqual(['a', null, '']);
    expect(batch.at).toEqual([1_700_000_000_123, null, 2 ** 53 - 1]);
    expect(typeof batch.at[0]).toBe('number');
    expect(batch.score).toEqual([0.5, null, -0.25]);
    expect(batch.flag).toEqual([true, null, false]);
    expect(batch.payload).toEqual([payload, null, ['x']]);
  });

  it('keeps insertion order and sorts with orderBy', async () => {
    await store.appendRows(EVENTS, [3, 1, 2].map((id) => [id, `n${id}`, id, id, true, null]));
    await store.appendRows(EVENTS, [[0, 'n0', 0, 0, true, null]]);
    expect((await store.readTable('events', { columns: ['id'] })).id).toEqual([3, 1, 2, 0]);
    expect((await store.readTable('events', { columns: ['id', 'name'], orderBy: ['id'] })).name).toEqual(['n0', 'n1', 'n2', 'n3']);
  });

  it('scans in batches of at most batchSize rows', async () => {
    await store.appendRows(EVENTS, Array.from({ length: 2_500 }, (_, k) => [k, null, k, null, null, null]));
    const sizes: number[] = [];
    const ids: number[] = [];
    for await (const batch of store.scanTable('events', { batchSize: 1_000, orderBy: ['id'], columns: ['id'] })) {
      sizes.push(batch.id.length);
      ids.push(...(batch.id as number[]));
    }
    expect(sizes.every((n) => n <= 1_000)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2_500);
    expect(ids).toEqual(Array.from({ length: 2_500 }, (_, k) => k));
  });

  it('replaces tables atomically', async () => {
    await store.appendRows(EVENTS, [[1, 'old', 1, 1, true, null]]);
    await store.replaceTables([EVENTS], async (writers) => {
      await writers.events.append([[2, 'new', 2, 2, false, { v: 2 }]]);
    });
    expect((await store.readTable('events')).name).toEqual(['new']);

    const failure = store.replaceTables([EVENTS], async (writers) => {
      await writers.events.append([[3, 'half', 3, 3, true, null]]);
      throw new Error('fill failed');
    });
    await expect(failure).rejects.toThrow('fill failed');
    expect((await store.readTable('events')).name).toEqual(['new']);
    expect(await store.hasTable('events__staging')).toBe(false);
  });

  it('round-trips awkward values through replaceTables', async () => {
    const texts = ['', '\\N', 'a,b', 'say "hi"', 'two\nlines\r\n', '\u00e9\u{1F600}', ' padded ', 'null'];
    const big = { list: Array.from({ length: 20_000 }, (_, k) => `value ${k}`) };
    await store.replaceTables([EVENTS], async (w) => {
      await w.events.append(texts.map((text, k) => [k, text, -(2 ** 53 - 1), k === 0 ? 0.1 + 0.2 : -1e-300, k % 2 === 0, k === 0 ? big : { text }]));
    });
    const batch = await store.readTable('events', { orderBy: ['id'] });
    expect(batch.name).toEqual(texts);
    expect(batch.at[0]).toBe(-(2 ** 53 - 1));
    expect(batch.score[0]).toBe(0.1 + 0.2);
    expect(batch.score[1]).toBe(-1e-300);
    expect(batch.payload[0]).toEqual(big);
    expect(batch.payload.slice(1)).toEqual(texts.slice(1).map((text) => ({ text })));
  });

  it('appends typed columns and inline strings', async () => {
    // 12 ASCII characters fit DuckDB's inline string; 13, or 7 characters that take 13 UTF-8 bytes, do not.
    const names = ['', 'B07ABCDEFG', 'exactly12chr', 'thirteen char', '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9a', '\u00e9', null, 'tab\there'];
    const n = names.length;
    const id = Int32Array.from(names, (_, k) => (k === 6 ? -1 : k * 1000 - 3000));
    const at = Float64Array.from(names, (_, k) => [-(2 ** 53 - 1), -1, 0, 2 ** 32, -(2 ** 32) - 1, 2 ** 53 - 1, Number.NaN, 1_700_000_000_123][k]);
    const score = Float64Array.from(names, (_, k) => (k === 3 ? Number.NaN : k / 4));

    await store.replaceTables([EVENTS], async (w) => {
      await w.events.appendColumns!(
        [
          { values: id, nullBelow: -2000 },
          { values: names },
          { values: at, nanIsNull: true },
          { values: score, nanIsNull: true },
          { values: Int8Array.from(names, (_, k) => (k === 6 ? -1 : k % 2)), labels: [false, true], nullBelow: 0 },
          { values: names.map((name) => (name === null ? null : { name })) },
        ],
        n,
      );
    });

    const batch = await store.readTable('events');
    expect(batch.id).toEqual([null, -2000, -1000, 0, 1000, 2000, -1, 4000]);
    expect(batch.name).toEqual(names);
    expect(batch.at).toEqual([-(2 ** 53 - 1), -1, 0, 2 ** 32, -(2 ** 32) - 1, 2 ** 53 - 1, null, 1_700_000_000_123]);
    expect(batch.score).toEqual([0, 0.25, 0.5, null, 1, 1.25, 1.5, 1.75]);
    expect(batch.flag).toEqual([false, true, false, true, false, true, null, true]);
    expect(batch.payload).toEqual(names.map((name) => (name === null ? null : { name })));

    // Equality compares the whole inline slot, so this finds the rows only if its padding is zero.
    for (const name of ['', 'B07ABCDEFG', 'exactly12chr', '\u00e9']) {
      const reader = await store.connection.runAndReadAll('SELECT count(*)::INTEGER FROM events WHERE name = $1', [name]);
      expect(reader.getRowsJS()[0][0]).toBe(1);
    }
  });

  it('rejects integers out of column range', async () => {
    await store.replaceTables([EVENTS], async (w) => w.events.append([[1, 'kept', 1, 1, true, null]]));
    const tooBig = store.replaceTables([EVENTS], async (w) => w.events.append([[2 ** 31, 'int overflow', 1, 1, true, null]]));
    await expect(tooBig).rejects.toThrow(/value 2147483648 of events.id is not an integer within the 32-bit range/);
    const unsafe = store.replaceTables([EVENTS], async (w) => w.events.append([[3, 'bigint overflow', 2 ** 53, 1, true, null]]));
    await expect(unsafe).rejects.toThrow(/of events.at is not an integer within ±2\^53/);
    expect((await store.readTable('events')).name).toEqual(['kept']);
    expect(await store.hasTable('events__staging')).toBe(false);
  });

  it('replaces several tables together or not at all', async () => {
    const other: TableSchema = { name: 'other', columns: [{ name: 'k', type: 'VARCHAR' }] };
    await store.replaceTables([EVENTS, other], async (w) => {
      await w.events.append([[1, 'a', 1, 1, true, null]]);
      await w.other.append([['x']]);
    });
    await expect(
      store.replaceTables([EVENTS, other], async (w) => {
        await w.events.append([[2, 'b', 2, 2, true, null]]);
        await w.other.append([['y', 'extra']]);
      }),
    ).rejects.toThrow(/has 2 values, expected 1/);
    expect((await store.readTable('events')).name).toEqual(['a']);
    expect((await store.readTable('other')).k).toEqual(['x']);
  });

  it('appends nothing from a batch with a malformed row', async () => {
    await store.appendRows(EVENTS, [[1, 'a', 1, 1, true, null]]);
    await expect(store.appendRows(EVENTS, [[2, 'b', 2, 2, true, null], [3]])).rejects.toThrow(/has 1 values, expected 6/);
    expect(await store.countRows('events')).toBe(1);
    await expect(store.appendRows(EVENTS, [[2, 'b', 2, 2, true, null], [3, 'c', 'not a time', 3, true, null]])).rejects.toThrow();
    expect(await store.countRows('events')).toBe(1);
  });

  it('reports missing tables', async () => {
    expect(await store.hasTable('missing')).toBe(false);
    expect(await store.countRows('missing')).toBe(0);
    await expect(store.readTable('missing')).rejects.toThrow(/table missing does not exist/);
    await store.dropTable('missing');
  });

  it('drops tables, pings and closes twice', async () => {
    await store.appendRows(EVENTS, [[1, 'a', 1, 1, true, null]]);
    await store.dropTable('events');
    expect(await store.hasTable('events')).toBe(false);
    await store.ping();
    await store.close();
    await store.close();
  });

  it('keeps data across reopening the file', async () => {
    await store.replaceTables([EVENTS], async (w) => w.events.append([[7, 'kept', 7, 7, true, { a: 1 }]]));
    await store.close();
    store = await openDuckDbOfflineStore(new URL(`duckdb://${path.join(dir, 'offline.duckdb')}`));
    const batch: ColumnBatch = await store.readTable('events');
    expect(batch.payload).toEqual([{ a: 1 }]);
  });
});
