import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFiles, loadDataset } from '../../src/data/dataset.js';
import { NON_PRODUCT_CODES } from '../../src/data/formats/online-retail.js';
import { sharedPath } from '../helpers/shared.js';
import { openTempStore } from './store.js';

let env: Awaited<ReturnType<typeof openTempStore>>;
beforeEach(async () => {
  env = await openTempStore();
});
afterEach(async () => {
  await env.cleanup();
});

/** Raw ids in order of first appearance in one column of a tab-separated file: Surprise's inner-id order. */
function firstAppearance(file: string, column: number): string[] {
  const seen = new Set<string>();
  for (const line of readFileSync(file, 'latin1').split('\n')) if (line) seen.add(line.split('\t')[column]);
  return [...seen];
}

describe('MovieLens 100k', () => {
  it('loads the folder as 100,000 ratings, 943 users, 1,682 items', async () => {
    const summary = await ingestFiles(env.store, [sharedPath('data/ml-100k')], { quiet: true });
    const data = await loadDataset(env.store);
    expect(data.interactions.user.length).toBe(100_000);
    expect(data.interactions.userIds.length).toBe(943);
    expect(data.interactions.itemIds.length).toBe(1_682);
    expect(summary.ratings).toBe(100_000);
    expect(summary.dropped).toEqual({});
    expect(data.info.feedback).toBe('explicit');
    expect(data.info.ratingScale).toEqual([1, 5]);
    expect(summary.timeRange?.firstMs).toBe(874_724_710_000);
    expect(summary.timeRange?.lastMs).toBe(893_286_638_000);
  });

  it('decodes u.item as Latin-1 with genres and u.user attributes', async () => {
    await ingestFiles(env.store, [sharedPath('data/ml-100k')], { quiet: true });
    const data = await loadDataset(env.store);
    const titles = data.items.map((r) => r.title ?? '');
    expect(titles.some((t) => t.includes('\u00e9'))).toBe(true);
    expect(titles.some((t) => t.includes('\ufffd'))).toBe(false);
    const toyStory = data.items[data.interactions.itemIds.indexOf('1')];
    expect(toyStory.title).toBe('Toy Story (1995)');
    expect(toyStory.categories).toEqual(['Animation', "Children's", 'Comedy']);
    expect(toyStory.extra.year).toBe(1995);
    const user1 = data.users[data.interactions.userIds.indexOf('1')];
    expect(user1.attributes).toEqual({ age: 24, gender: 'M', occupation: 'technician', zipCode: '85711' });
  });

  it('numbers u1.base users and items in Surprise order', async () => {
    const file = sharedPath('data/ml-100k/u1.base');
    await ingestFiles(env.store, [file, sharedPath('data/ml-100k/u.item')], { quiet: true });
    const data = await loadDataset(env.store);
    const users = firstAppearance(file, 0);
    const items = firstAppearance(file, 1);
    expect(data.interactions.userIds).toEqual(users);
    expect(data.interactions.itemIds.slice(0, items.length)).toEqual(items);
    expect(data.itemsWithInteractions).toBe(items.length);
    expect(data.interactions.itemIds.length).toBe(1_682);
    expect(data.interactions.user.length).toBe(80_000);
  });
});

describe('Amazon Subscription_Boxes 2023', () => {
  it('reads 16,216 review lines and 641 items, removing duplicates', async () => {
    const dir = sharedPath('data/amazon-subscription-boxes');
    const summary = await ingestFiles(env.store, [`${dir}/Subscription_Boxes.jsonl`, `${dir}/meta_Subscription_Boxes.jsonl`], { quiet: true });
    const data = await loadDataset(env.store);
    expect(summary.linesRead).toBe(16_216);
    expect(summary.items).toBe(641);
    expect(summary.users).toBe(15_237);
    // 263 extra rows of repeated (user_id, parent_asin) pairs, 199 of them exact duplicate lines.
    expect(summary.dropped).toEqual({ exact_duplicate: 199, repeat_interaction: 64 });
    expect(summary.interactions).toBe(16_216 - 263);
    expect(summary.itemsWithoutMetadata).toBe(0);
    expect(summary.metadataOnlyItems).toBe(0);
    expect(summary.prices.missing).toEqual({ null: 641 });
    expect(data.items.every((r) => r.mainCategory === 'SUBSCRIPTION BOXES')).toBe(true);
  });
});

describe('Amazon All_Beauty', () => {
  it('loads the 5-core rating-only CSV as 2,535 ratings, 253 users, 356 items', async () => {
    const summary = await ingestFiles(env.store, [sharedPath('data/amazon-all-beauty/2023-benchmark-5core-rating_only/All_Beauty.csv')], { quiet: true });
    expect(summary.format).toBe('amazon2023-csv');
    expect(summary.ratings).toBe(2_535);
    expect(summary.users).toBe(253);
    expect(summary.items).toBe(356);
    expect(summary.timeRange?.first.slice(0, 10)).toBe('2018-12-13');
  });

  it('deduplicates the 2018 5-core reviews', async () => {
    const summary = await ingestFiles(env.store, [sharedPath('data/amazon-all-beauty/2018-5core/All_Beauty_5.json.gz')], { quiet: true });
    expect(summary.format).toBe('amazon2018');
    expect(summary.linesRead).toBe(5_269);
    expect(summary.users).toBe(991);
    expect(summary.items).toBe(85);
    // 1,177 extra rows of repeated (reviewerID, asin) pairs, 1,027 of them exact duplicate lines.
    expect(summary.dropped).toEqual({ exact_duplicate: 1_027, repeat_interaction: 150 });
  });
});

describe('UCI Online Retail', () => {
  it('counts the rows each rule removes, as SQL over the same file does', async () => {
    const file = sharedPath('data/uci-online-retail/online_retail.csv.gz');
    const summary = await ingestFiles(env.store, [file], { quiet: true });
    const expected = await retailOracle(file);

    expect(summary.linesRead).toBe(541_909);
    expect(summary.feedback).toBe('implicit');
    expect(summary.ratingScale).toBeNull();
    expect(summary.dropped.cancellation).toBe(9_288);
    expect(summary.dropped.cancellation).toBe(expected.cancellation);
    expect(summary.dropped.non_positive_quantity).toBe(expected.non_positive_quantity);
    expect(summary.dropped.missing_user_id).toBe(expected.missing_user_id);
    expect(summary.dropped.non_product_code).toBe(expected.non_product_code);
    expect(summary.dropped.exact_duplicate).toBe(expected.exact_duplicate);
    expect(summary.dropped.repeat_interaction).toBe(expected.repeat_interaction);
    expect(summary.interactions).toBe(expected.pairs);
    expect(summary.users).toBe(expected.customers);
    expect(summary.items).toBe(expected.products);
    // Customers with a purchase line, before the non-product rule: 397,924 lines.
    const kept = summary.interactions + expected.exact_duplicate + expected.repeat_interaction + expected.non_product_code;
    expect(kept).toBe(397_924);
  });
});

/** Counts, with DuckDB's own CSV reader, the rows each Online Retail rule removes, in the documented order. */
async function retailOracle(file: string): Promise<Record<string, number>> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const codes = [...NON_PRODUCT_CODES].map((code) => `'${code}'`).join(', ');
  await c.run(`CREATE TABLE r AS SELECT * FROM read_csv('${file}', all_varchar = true, header = true)`);
  await c.run(`CREATE TABLE kept AS SELECT * FROM r
    WHERE NOT upper(InvoiceNo) LIKE 'C%' AND Quantity::INTEGER > 0 AND CustomerID IS NOT NULL
      AND upper(trim(StockCode)) NOT IN (${codes}) AND NOT upper(trim(StockCode)) LIKE 'GIFT\\_0001\\_%' ESCAPE '\\'`);
  const reader = await c.runAndReadAll(`SELECT
    (SELECT count(*) FROM r WHERE upper(InvoiceNo) LIKE 'C%')::INTEGER AS cancellation,
    (SELECT count(*) FROM r WHERE NOT upper(InvoiceNo) LIKE 'C%' AND Quantity::INTEGER <= 0)::INTEGER AS non_positive_quantity,
    (SELECT count(*) FROM r WHERE NOT upper(InvoiceNo) LIKE 'C%' AND Quantity::INTEGER > 0 AND CustomerID IS NULL)::INTEGER AS missing_user_id,
    (SELECT count(*) FROM r WHERE NOT upper(InvoiceNo) LIKE 'C%' AND Quantity::INTEGER > 0 AND CustomerID IS NOT NULL)::INTEGER
      - (SELECT count(*) FROM kept)::INTEGER AS non_product_code,
    (SELECT count(*) FROM kept)::INTEGER - (SELECT count(*) FROM (SELECT DISTINCT * FROM kept))::INTEGER AS exact_duplicate,
    (SELECT count(*) FROM (SELECT DISTINCT * FROM kept))::INTEGER - (SELECT count(*) FROM (SELECT DISTINCT CustomerID, StockCode FROM kept))::INTEGER AS repeat_interaction,
    (SELECT count(*) FROM (SELECT DISTINCT CustomerID, StockCode FROM kept))::INTEGER AS pairs,
    (SELECT count(DISTINCT CustomerID) FROM kept)::INTEGER AS customers,
    (SELECT count(DISTINCT StockCode) FROM kept)::INTEGER AS products`);
  const names = reader.columnNames();
  const row = reader.getRowsJS()[0];
  c.closeSync();
  return Object.fromEntries(names.map((n, i) => [n, Number(row[i])]));
}
