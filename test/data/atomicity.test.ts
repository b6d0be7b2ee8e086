import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ingestFiles, loadDataset } from '../../src/data/dataset.js';
import { TwostageError } from '../../src/errors.js';
import { sharedPath } from '../helpers/shared.js';
import { openTempStore } from './store.js';

let env: Awaited<ReturnType<typeof openTempStore>>;
beforeEach(async () => {
  env = await openTempStore();
});
afterEach(async () => {
  await env.cleanup();
});

const review = (user: string, item: string, rating: unknown, timestamp: unknown) =>
  JSON.stringify({ rating, asin: item, parent_asin: item, user_id: user, timestamp, helpful_vote: 1, verified_purchase: false });

function write(name: string, lines: string[]): string {
  const file = path.join(env.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('ingest atomicity', () => {
  it('keeps the previous dataset when a later ingest hits a bad line', async () => {
    await ingestFiles(env.store, [sharedPath('cases/B14/reviews.jsonl')], { quiet: true });
    const before = await loadDataset(env.store);

    const bad = write('bad.jsonl', [review('U1', 'I1', 5, 1_600_000_000_000), '{"rating": 4.0, "user_id": "U2"', review('U3', 'I3', 5, 1_600_000_000_000)]);
    await expect(ingestFiles(env.store, [bad], { quiet: true })).rejects.toThrow(/bad\.jsonl:2: invalid JSON/);

    const after = await loadDataset(env.store);
    expect(after.info.fingerprint).toBe(before.info.fingerprint);
    expect(after.interactions.userIds).toEqual(['UX1401', 'UX1402', 'UX1403']);
    expect(await env.store.hasTable('dataset_interactions__staging')).toBe(false);
  });

  it('throws REC_ERR_DATASET_MISSING before any ingest', async () => {
    const error = await loadDataset(env.store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwostageError);
    expect((error as TwostageError).code).toBe('REC_ERR_DATASET_MISSING');
  });

  it('replaces the dataset on a second good ingest', async () => {
    await ingestFiles(env.store, [sharedPath('cases/B14/reviews.jsonl')], { quiet: true });
    await ingestFiles(env.store, [write('next.jsonl', [review('A', 'B', 3, 1_600_000_000_000)])], { quiet: true });
    const data = await loadDataset(env.store);
    expect(data.interactions.userIds).toEqual(['A']);
    expect(await env.store.countRows('dataset_info')).toBe(1);
  });
});

describe('bad lines', () => {
  const lines = () => [
    review('U1', 'I1', 5, 1_600_000_000_000),
    'not json',
    review('U2', 'I2', 4, 1_600_000_000),
    '[1, 2]',
    review('U3', 'I3', 'five', 1_600_000_000_000),
    review('U4', 'I4', 2, 'yesterday'),
    '',
    review('', 'I5', 2, 1_600_000_000_000),
  ];

  it('reports file, line and reason of the first bad line', async () => {
    const file = write('mixed.jsonl', lines());
    const error = await ingestFiles(env.store, [file], { quiet: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwostageError);
    expect((error as TwostageError).code).toBe('REC_ERR_INPUT_INVALID');
    expect((error as Error).message).toMatch(/^.*mixed\.jsonl:2: invalid JSON/);
    expect((error as Error).message).toContain('--on-bad-line skip');
  });

  it('counts skipped lines by reason and lists them', async () => {
    const summary = await ingestFiles(env.store, [write('mixed.jsonl', lines())], { quiet: true, onBadLine: 'skip' });
    expect(summary.badLines.byReason).toEqual({ invalid_json: 1, not_an_object: 1, invalid_timestamp: 2 });
    expect(summary.badLines.first.map((b) => b.line)).toEqual([2, 3, 4, 6]);
    expect(summary.badLines.first[1].reason).toMatch(/before 1973 when read as milliseconds.*--time-unit s/);
    expect(summary.dropped).toEqual({ malformed: 4, missing_user_id: 1 });
    expect(summary.linesRead).toBe(7);
    expect(summary.interactions).toBe(2);
    expect(summary.ratingsRejected.not_numeric).toBe(1);
  });

  it('rejects an input where nothing is kept', async () => {
    const file = write('empty-ids.jsonl', [review('', 'I1', 5, 1_600_000_000_000)]);
    await expect(ingestFiles(env.store, [file], { quiet: true })).rejects.toThrow(/no interaction was kept from 1 lines read/);
  });

  it('reports a truncated gzip file', async () => {
    const { gzipSync } = await import('node:zlib');
    const full = gzipSync(Buffer.from(`${review('U1', 'I1', 5, 1_600_000_000_000)}\n`.repeat(2000)));
    const file = path.join(env.dir, 'cut.jsonl.gz');
    writeFileSync(file, full.subarray(0, Math.floor(full.length / 2)));
    await expect(ingestFiles(env.store, [file], { quiet: true })).rejects.toThrow(/cut\.jsonl\.gz.*failed to read/);
  });
});

describe('metadata coverage', () => {
  it('counts items without metadata and metadata-only items', async () => {
    const reviews = write('r.jsonl', [review('U1', 'X', 5, 1_600_000_000_000), review('U1', 'Y', 4, 1_600_000_000_001)]);
    const meta = write('meta_r.jsonl', [
      JSON.stringify({ parent_asin: 'Y', title: 'Item Y', price: '3.50' }),
      JSON.stringify({ parent_asin: 'Z', title: 'Item Z', price: null }),
      JSON.stringify({ parent_asin: 'Y', title: 'Second record of Y' }),
      JSON.stringify({ title: 'No id' }),
    ]);
    const summary = await ingestFiles(env.store, [meta, reviews], { quiet: true });
    const data = await loadDataset(env.store);
    expect(data.interactions.itemIds).toEqual(['X', 'Y', 'Z']);
    expect(summary.itemsWithoutMetadata).toBe(1);
    expect(summary.metadataOnlyItems).toBe(1);
    expect(summary.metadata.dropped).toEqual({ duplicate_item: 1, missing_item_id: 1 });
    expect(data.items[0]).toMatchObject({ itemId: 'X', title: null, price: null });
    expect(data.items[1]).toMatchObject({ itemId: 'Y', title: 'Item Y', price: 3.5 });
    expect(data.items[2]).toMatchObject({ itemId: 'Z', title: 'Item Z', price: null });
    const rows = await env.store.readTable('dataset_items', { orderBy: ['item_index'] });
    expect(rows.has_metadata).toEqual([false, true, true]);
    expect(rows.has_interactions).toEqual([true, true, false]);
    expect(rows.price_issue).toEqual([null, null, 'null']);
  });
});
