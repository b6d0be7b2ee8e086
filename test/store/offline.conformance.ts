import { describe, expect } from 'vitest';
import { JsonText, type ColumnBatch, type OfflineStore, type Row, type TableSchema } from '../../src/store/types.js';
import { defineCase, type StoreFactory } from './conformance.js';

const EVENTS: TableSchema = {
  name: 'events',
  columns: [
    { name: 'entity_id', type: 'VARCHAR' },
    { name: 'event_time', type: 'BIGINT' },
    { name: 'value', type: 'DOUBLE' },
    { name: 'count', type: 'INTEGER' },
    { name: 'flag', type: 'BOOLEAN' },
    { name: 'meta', type: 'JSON' },
  ],
};

function eventRows(count: number, offset = 0): Row[] {
  return Array.from({ length: count }, (_, i) => [`e${(i + offset) % 7}`, 1_700_000_000_000 + i + offset, (i + offset) / 4, i + offset, (i + offset) % 2 === 0, { i: i + offset }]);
}

function rowsOf(batch: ColumnBatch, columns: readonly string[]): unknown[][] {
  const length = batch[columns[0]].length;
  return Array.from({ length }, (_, i) => columns.map((c) => batch[c][i]));
}

/** Registers the OfflineStore contract for one backend. */
export function offlineStoreConformance(name: string, factory: StoreFactory<OfflineStore>): void {
  describe(`OfflineStore conformance: ${name}`, () => {
    defineCase(factory, 'appendRows creates then appends', async (store) => {
      expect(await store.hasTable('events')).toBe(false);
      expect(await store.countRows('events')).toBe(0);
      await store.appendRows(EVENTS, eventRows(3));
      await store.appendRows(EVENTS, eventRows(2, 3));
      expect(await store.hasTable('events')).toBe(true);
      expect(await store.countRows('events')).toBe(5);
      const batch = await store.readTable('events', { orderBy: ['count'] });
      expect(Object.keys(batch).sort()).toEqual(EVENTS.columns.map((c) => c.name).sort());
      expect(rowsOf(batch, EVENTS.columns.map((c) => c.name))).toEqual(eventRows(5));
    });

    defineCase(factory, 'round-trips JSON, BIGINT and null', async (store) => {
      const rows: Row[] = [
        ['ü "quoted" \\ , ;', 2 ** 53 - 1, -0.1 + 0.2, -2_147_483_648, true, { nested: { list: [1, 'two', null, true] }, text: 'é' }],
        [null, null, null, null, null, null],
        ['', -(2 ** 53 - 1), 5e-324, 2_147_483_647, false, [1, 2, 3]],
        ['x', 0, 1e300, 0, false, 'a JSON string'],
      ];
      await store.appendRows(EVENTS, rows);
      const batch = await store.readTable('events', { orderBy: ['count'] });
      expect(rowsOf(batch, EVENTS.columns.map((c) => c.name))).toEqual([rows[0], rows[3], rows[2], rows[1]]);
      expect(typeof batch.event_time[0]).toBe('number');
    });

    defineCase(factory, 'stores JsonText as its JSON', async (store) => {
      const value = { nested: { list: [1, 'two', null] }, text: 'é "q"' };
      await store.appendRows(EVENTS, [['appended', 1, 1, 1, true, new JsonText(JSON.stringify(value))]]);
      await store.replaceTables([{ ...EVENTS, name: 'replaced' }], async (writers) => {
        await writers.replaced.append([['replaced', 2, 2, 2, false, new JsonText('[1,"x"]')]]);
      });
      expect((await store.readTable('events')).meta).toEqual([value]);
      expect((await store.readTable('replaced')).meta).toEqual([[1, 'x']]);
    });

    defineCase(factory, 'readTable selects and orders', async (store) => {
      await store.appendRows(EVENTS, eventRows(10));
      const batch = await store.readTable('events', { columns: ['count', 'entity_id'], orderBy: ['entity_id', 'count'] });
      expect(Object.keys(batch).sort()).toEqual(['count', 'entity_id']);
      const expected = eventRows(10)
        .map((r) => [r[3], r[0]] as [number, string])
        .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] - b[0]));
      expect(rowsOf(batch, ['count', 'entity_id'])).toEqual(expected);
      await expect(store.readTable('missing_table')).rejects.toThrow(/missing_table/);
    });

    defineCase(factory, 'scanTable streams in batches', async (store) => {
      await store.appendRows(EVENTS, eventRows(10));
      const sizes: number[] = [];
      const counts: unknown[] = [];
      for await (const batch of store.scanTable('events', { batchSize: 3, orderBy: ['count'], columns: ['count'] })) {
        sizes.push(batch.count.length);
        counts.push(...batch.count);
      }
      expect(sizes).toEqual([3, 3, 3, 1]);
      expect(counts).toEqual(Array.from({ length: 10 }, (_, i) => i));
      const whole: unknown[] = [];
      for await (const batch of store.scanTable('events', { orderBy: ['count'] })) whole.push(...rowsOf(batch, EVENTS.columns.map((c) => c.name)));
      expect(whole).toEqual(eventRows(10));
    });

    defineCase(factory, 'scanTable stops early cleanly', async (store) => {
      await store.appendRows(EVENTS, eventRows(10));
      for await (const batch of store.scanTable('events', { batchSize: 2 })) {
        expect(batch.count).toHaveLength(2);
        break;
      }
      expect(await store.countRows('events')).toBe(10);
    });

    defineCase(factory, 'replaceTables swaps tables', async (store) => {
      await store.appendRows(EVENTS, eventRows(4));
      const renamed: TableSchema = { name: 'events', columns: [{ name: 'only', type: 'VARCHAR' }] };
      const other: TableSchema = { name: 'other', columns: [{ name: 'n', type: 'BIGINT' }] };
      await store.replaceTables([renamed, other], async (writers) => {
        await writers.events.append([['a'], ['b']]);
        await writers.events.append([['c']]);
        await writers.other.append([[1]]);
      });
      expect(await store.readTable('events')).toEqual({ only: ['a', 'b', 'c'] });
      expect(await store.readTable('other')).toEqual({ n: [1] });
    });

    defineCase(factory, 'replaceTables keeps old tables on failure', async (store) => {
      await store.appendRows(EVENTS, eventRows(4));
      const fresh: TableSchema = { name: 'fresh', columns: [{ name: 'n', type: 'BIGINT' }] };
      await expect(
        store.replaceTables([EVENTS, fresh], async (writers) => {
          await writers.events.append(eventRows(1));
          await writers.fresh.append([[1]]);
          throw new Error('fill failed on purpose');
        }),
      ).rejects.toThrow('fill failed on purpose');
      expect(await store.countRows('events')).toBe(4);
      expect(rowsOf(await store.readTable('events', { orderBy: ['count'] }), EVENTS.columns.map((c) => c.name))).toEqual(eventRows(4));
      expect(await store.hasTable('fresh')).toBe(false);
    });

    defineCase(factory, 'rejects rows of the wrong width', async (store) => {
      await expect(store.appendRows(EVENTS, [['only one value']])).rejects.toThrow(/events/);
    });

    defineCase(factory, 'dropTable removes a table', async (store) => {
      await store.appendRows(EVENTS, eventRows(2));
      await store.dropTable('events');
      expect(await store.hasTable('events')).toBe(false);
      expect(await store.countRows('events')).toBe(0);
      await store.dropTable('events');
    });

    defineCase(factory, 'ping and close are idempotent', async (store) => {
      await store.ping();
      await store.close();
      await store.close();
    });
  });
}
