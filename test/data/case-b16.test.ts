import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ingestFiles, loadDataset } from '../../src/data/dataset.js';
import { parsePrice } from '../../src/data/price.js';
import { sharedPath } from '../helpers/shared.js';
import { openTempStore } from './store.js';

let env: Awaited<ReturnType<typeof openTempStore>>;
beforeEach(async () => {
  env = await openTempStore();
});
afterEach(async () => {
  await env.cleanup();
});

/** Writes a review file touching the given items, so a metadata file can be ingested with it. */
function reviewsFor(dir: string, itemIds: string[]): string {
  const file = path.join(dir, 'reviews.jsonl');
  const lines = itemIds.map((id, k) =>
    JSON.stringify({ rating: 5.0, asin: id, parent_asin: id, user_id: 'U1', timestamp: 1_600_000_000_000 + k, helpful_vote: 0, verified_purchase: true }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const EXPECTED: Record<string, number | null> = {
  PX1601: 12.99,
  PX1602: null,
  PX1603: null,
  PX1604: null,
  PX1605: 1299,
  PX1606: null,
  PX1607: 19.99,
  PX1608: null,
  PX1609: 0,
  PX1610: null,
  PX1611: null,
  PX1612: 7.5,
};

describe('non-numeric prices in Amazon metadata', () => {
  it('parses every price of the case as expected', async () => {
    const reviews = reviewsFor(env.dir, ['PX1601']);
    const summary = await ingestFiles(env.store, [reviews, sharedPath('cases/B16/meta.jsonl')], { quiet: true });
    const { items } = await loadDataset(env.store);
    const prices = Object.fromEntries(items.map((r) => [r.itemId, r.price]));
    for (const [id, price] of Object.entries(EXPECTED)) expect(prices[id], id).toBe(price);

    expect(summary.prices.parsed).toBe(5);
    expect(summary.prices.missing).toEqual({ none_text: 1, null: 1, absent: 1, empty: 1, range: 1, not_a_number: 1, negative: 1 });
  });

  it('reads null rating snapshots as missing, not 0', async () => {
    await ingestFiles(env.store, [reviewsFor(env.dir, ['PX1612']), sharedPath('cases/B16/meta.jsonl')], { quiet: true });
    const { items } = await loadDataset(env.store);
    const px1612 = items.find((r) => r.itemId === 'PX1612')!;
    expect(px1612.averageRating).toBeNull();
    expect(px1612.ratingNumber).toBeNull();
    expect(items.find((r) => r.itemId === 'PX1601')!.averageRating).toBe(4.0);
  });

  it('matches the expected price file', async () => {
    const { readFileSync } = await import('node:fs');
    const rows = readFileSync(sharedPath('cases/B16/expected_prices.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const id = row.split(',')[0];
      const expected = row.slice(row.lastIndexOf(',') + 1);
      expect(EXPECTED[id], id).toBe(expected === 'missing' ? null : Number(expected));
    }
  });

  it('stops at the first malformed metadata line by default', async () => {
    const files = [reviewsFor(env.dir, ['PX1613']), sharedPath('cases/B16/meta_malformed.jsonl')];
    await expect(ingestFiles(env.store, files, { quiet: true })).rejects.toThrow(/meta_malformed\.jsonl:2: invalid JSON/);
    expect(await env.store.hasTable('dataset_info')).toBe(false);
  });

  it('skips and reports malformed metadata lines', async () => {
    const files = [reviewsFor(env.dir, ['PX1613']), sharedPath('cases/B16/meta_malformed.jsonl')];
    const summary = await ingestFiles(env.store, files, { quiet: true, onBadLine: 'skip' });
    const { items } = await loadDataset(env.store);
    expect(items.map((r) => r.itemId).sort()).toEqual(['PX1613', 'PX1616']);
    expect(summary.badLines.total).toBe(2);
    expect(summary.badLines.byReason).toEqual({ invalid_json: 2 });
    expect(summary.badLines.first.map((b) => b.line)).toEqual([2, 3]);
    expect(summary.badLines.first[0].file).toMatch(/meta_malformed\.jsonl$/);
    expect(summary.metadata.records).toBe(2);
    expect(summary.dropped.malformed).toBeUndefined();
  });
});

describe('parsePrice', () => {
  const cases: [unknown, number | null, string | null][] = [
    [12.99, 12.99, null],
    ['None', null, 'none_text'],
    [null, null, 'null'],
    [undefined, null, 'absent'],
    ['$1,299.00', 1299, null],
    ['', null, 'empty'],
    ['  ', null, 'empty'],
    ['19.99', 19.99, null],
    ['9.99 - 14.99', null, 'range'],
    ['$9.99 - $14.99', null, 'range'],
    [0, 0, null],
    ['0', 0, null],
    ['—', null, 'not_a_number'],
    [-5, null, 'negative'],
    ['-5.00', null, 'negative'],
    [Number.NaN, null, 'not_finite'],
    ['£5', 5, null],
    ['12,99', null, 'not_a_number'],
    [true, null, 'not_a_number'],
  ];
  it.each(cases)('parses %j', (raw, price, reason) => {
    expect(parsePrice(raw)).toEqual({ price, reason });
  });
});
