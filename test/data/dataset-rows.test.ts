import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyEvent, InteractionBuilder } from '../../src/data/builder.js';
import { writeInteractions } from '../../src/data/dataset-rows.js';
import { finishRatings } from '../../src/data/ratings.js';
import { INTERACTIONS_TABLE } from '../../src/data/tables.js';
import { openDuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import type { Row, TableWriter } from '../../src/store/types.js';

/** Two interactions covering every NULL rule: a 0.0 rating, then a line with no rating, time, helpful vote or variant. */
function builderWithEdgeCases(): InteractionBuilder {
  const b = new InteractionBuilder(true);
  const event = emptyEvent();
  Object.assign(event, { userId: 'u"1', itemId: 'i1', rating: 0, timestamp: 1_600_000_000_123, verifiedPurchase: true, helpfulVote: 3, variantId: 'v1', lineHash: 1, sourceLine: 1 });
  b.add(event);
  Object.assign(event, { userId: 'u2', itemId: 'i1', rating: undefined, timestamp: Number.NaN, verifiedPurchase: false, helpfulVote: null, variantId: null, lineHash: 2, sourceLine: 2 });
  b.add(event);
  return b;
}

async function write(writer: TableWriter): Promise<void> {
  const b = builderWithEdgeCases();
  await writeInteractions(writer, b, finishRatings(b, [1, 5]).values, createHash('sha256'));
}

describe('writeInteractions', () => {
  it('writes rows to a writer without a columnar path', async () => {
    const rows: Row[] = [];
    await write({ append: async (batch) => void rows.push(...batch) });
    expect(rows).toEqual([
      [0, 0, 0, 'u"1', 'i1', null, 0, 'out_of_scale', 1, 1, 1_600_000_000_123, true, 3, 'v1', 0, 1],
      [1, 1, 0, 'u2', 'i1', null, null, 'missing', 1, 1, null, false, null, null, 0, 2],
    ]);
  });

  it('stores the same rows by columns as by rows', async () => {
    const rows: Row[] = [];
    await write({ append: async (batch) => void rows.push(...batch) });
    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-rows-'));
    const store = await openDuckDbOfflineStore(new URL(`duckdb://${path.join(dir, 'offline.duckdb')}`));
    try {
      const byRows = { ...INTERACTIONS_TABLE, name: 'by_rows' };
      const byColumns = { ...INTERACTIONS_TABLE, name: 'by_columns' };
      await store.replaceTables([byRows, byColumns], async (writers) => {
        await writers.by_rows.append(rows);
        await write(writers.by_columns);
      });
      const fromColumns = await store.readTable('by_columns', { orderBy: ['input_order'] });
      expect(fromColumns).toEqual(await store.readTable('by_rows', { orderBy: ['input_order'] }));
      expect(INTERACTIONS_TABLE.columns.map((c) => fromColumns[c.name][1])).toEqual(rows[1]);
      expect(INTERACTIONS_TABLE.columns.map((c) => fromColumns[c.name][0])).toEqual(rows[0]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
