import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFeaturePipeline } from '../../src/features/pipeline.js';
import { getHistoricalFeatures } from '../../src/features/historical.js';
import { getTrainingFeatures } from '../../src/features/training.js';
import { readOnlineFeatures } from '../../src/features/online.js';
import { columnValue, HistoryBuilder, readHistory } from '../../src/features/history.js';
import { ITEM_PRICE, ITEM_STATS, USER_STATS, FEATURE_GROUPS } from '../../src/features/definitions.js';
import { buildDataset, itemRecord, type FixtureInteraction } from './fixtures.js';
import { memoryStores } from './stores.js';

const DAY = 86_400_000;
const T0 = 1_600_000_000_000;

const interactions: FixtureInteraction[] = [
  { user: 'u1', item: 'i1', rating: 5, timestamp: T0 },
  { user: 'u2', item: 'i1', rating: 3, timestamp: T0 + DAY },
  { user: 'u1', item: 'i2', rating: 4, timestamp: T0 + 2 * DAY },
  { user: 'u3', item: 'i1', rating: 1, timestamp: T0 + 2 * DAY },
  { user: 'u3', item: 'i2', rating: 2, timestamp: T0 + 3 * DAY },
];
const items = [itemRecord('i1', { mainCategory: 'Beauty', categories: ['Beauty', 'Hair'], price: 9.5, averageRating: 4.1, ratingNumber: 20 }), itemRecord('i3', { store: 'Acme' })];

describe('feature pipeline', () => {
  let stores: Awaited<ReturnType<typeof memoryStores>>;
  beforeEach(async () => {
    stores = await memoryStores();
  });
  afterEach(async () => stores.close());

  const run = (data = buildDataset(interactions, items), now = T0 + 100 * DAY, priceHistory?: ReturnType<HistoryBuilder['build']>) =>
    runFeaturePipeline({ offline: stores.offline, online: stores.online, data, now, priceHistory, quiet: true });

  async function onlineSnapshot(now: number) {
    const out: Record<string, unknown> = {};
    for (const group of FEATURE_GROUPS) {
      const ids = ['u1', 'u2', 'u3', 'i1', 'i2', 'i3', 'nobody'];
      out[group.name] = await readOnlineFeatures(stores.online, group, ids, { now });
    }
    return out;
  }

  it('appends nothing when re-run on the same data', async () => {
    const first = await run();
    const onlineAfterFirst = await onlineSnapshot(T0 + 100 * DAY);
    const second = await run(buildDataset(interactions, items), T0 + 200 * DAY);
    for (const [i, group] of second.groups.entries()) {
      expect(group.addedRecords, group.group).toBe(0);
      expect(group.correctionRecords, group.group).toBe(0);
      expect(group.storedRecords, group.group).toBe(first.groups[i].storedRecords);
    }
    expect(await onlineSnapshot(T0 + 100 * DAY)).toEqual(onlineAfterFirst);
    expect(first.groups.find((g) => g.group === 'item_stats')?.storedRecords).toBe(5);
    expect(first.snapshotFeatures).toContain('item_snapshot_price');
  });

  it('records a changed rating as a correction created at run time', async () => {
    await run();
    const changed = interactions.map((r) => (r.user === 'u2' ? { ...r, rating: 5 } : r));
    const rerunAt = T0 + 200 * DAY;
    const summary = await run(buildDataset(changed, items), rerunAt);
    const itemStats = summary.groups.find((g) => g.group === 'item_stats');
    // i1 has records at T0+1d and T0+2d whose means change.
    expect(itemStats?.correctionRecords).toBe(2);
    expect(itemStats?.addedRecords).toBe(0);

    const rows = { entityIds: ['i1', 'i1'], timestamps: [T0 + 150 * DAY, rerunAt + 1] };
    const frame = await getHistoricalFeatures(stores.offline, ITEM_STATS, rows);
    expect(columnValue(frame.columns.item_rating_mean, 0)).toBeCloseTo(3, 12);
    expect(columnValue(frame.columns.item_rating_mean, 1)).toBeCloseTo(11 / 3, 12);
    const [online] = await readOnlineFeatures(stores.online, ITEM_STATS, ['i1'], { now: rerunAt + 1 });
    expect(online?.item_rating_mean).toBeCloseTo(11 / 3, 12);
  });

  it('corrects history when an interaction disappears', async () => {
    await run();
    const rerunAt = T0 + 200 * DAY;
    const summary = await run(buildDataset(interactions.filter((r) => r.user !== 'u3'), items), rerunAt);
    const userStats = summary.groups.find((g) => g.group === 'user_stats');
    expect(userStats?.correctionRecords).toBe(2);
    const frame = await getHistoricalFeatures(stores.offline, USER_STATS, { entityIds: ['u3', 'u3'], timestamps: [T0 + 150 * DAY, rerunAt + 1] });
    expect(columnValue(frame.columns.user_interaction_count, 0)).toBe(2);
    expect(columnValue(frame.columns.user_interaction_count, 1)).toBeNull();
  });

  it('rejects a training join before the pipeline ran', async () => {
    const rows = { userIds: ['u1'], itemIds: ['i1'], timestamps: [T0] };
    await expect(getTrainingFeatures(stores.offline, rows)).rejects.toMatchObject({ code: 'REC_ERR_FEATURES_MISSING' });
    await run();
    const joined = await getTrainingFeatures(stores.offline, rows);
    expect(joined.matchedRows).toEqual({ user_stats: 0, user_categories: 0, item_stats: 0, item_trend: 0, item_attributes: 1, item_price: 0 });
  });

  it('uses counts and weights on implicit data', async () => {
    const implicit = interactions.map((r, i) => ({ ...r, rating: NaN, weight: i + 1 }));
    const summary = await run(buildDataset(implicit));
    expect(summary.feedback).toBe('implicit');
    const frame = await getHistoricalFeatures(stores.offline, 'item_stats', { entityIds: ['i1'], timestamps: [T0 + 10 * DAY] });
    expect(columnValue(frame.columns.item_interaction_count, 0)).toBe(3);
    expect(columnValue(frame.columns.item_weight_sum, 0)).toBe(1 + 2 + 4);
    expect(columnValue(frame.columns.item_rating_count, 0)).toBe(0);
    expect(columnValue(frame.columns.item_rating_mean, 0)).toBeNull();
    expect(columnValue(frame.columns.item_days_since_first_interaction, 0)).toBe(10);
  });

  it('keeps the stored price history when no file is given', async () => {
    const prices = new HistoryBuilder(ITEM_PRICE);
    prices.add('i1', T0, T0, [12]);
    await run(undefined, T0 + 100 * DAY, prices.build());
    const summary = await run(undefined, T0 + 101 * DAY);
    expect(summary.groups.find((g) => g.group === 'item_price')).toMatchObject({ source: 'none', storedRecords: 1, onlineEntities: 1 });
    expect((await readHistory(stores.offline, ITEM_PRICE)).entityIds).toEqual(['i1']);
  });

  it('applies the TTL the same way offline and online', async () => {
    const prices = new HistoryBuilder(ITEM_PRICE);
    prices.add('i1', T0, T0, [12]);
    prices.add('i2', T0 + 10 * DAY, T0 + 10 * DAY, [7]);
    await run(undefined, T0 + 11 * DAY, prices.build());
    const ttl = ITEM_PRICE.ttlMs ?? 0;
    const times = [T0 + 11 * DAY, T0 + ttl, T0 + ttl + 1, T0 + 10 * DAY + ttl, T0 + 10 * DAY + ttl + 1];
    for (const now of times) {
      const frame = await getHistoricalFeatures(stores.offline, ITEM_PRICE, { entityIds: ['i1', 'i2'], timestamps: [now, now] });
      const online = await readOnlineFeatures(stores.online, ITEM_PRICE, ['i1', 'i2'], { now });
      const offlineValues = [0, 1].map((i) => columnValue(frame.columns.item_price, i));
      expect(online.map((o) => o?.item_price ?? null), `at ${now}`).toEqual(offlineValues);
    }
    const frame = await getHistoricalFeatures(stores.offline, ITEM_PRICE, { entityIds: ['i1', 'i1'], timestamps: [T0 + ttl, T0 + ttl + 1] });
    expect([0, 1].map((i) => columnValue(frame.columns.item_price, i))).toEqual([12, null]);
  });

  it('materializes item attributes and derived ages online', async () => {
    await run();
    const now = T0 + 100 * DAY;
    const [i1, i3, unknown] = await readOnlineFeatures(stores.online, 'item_attributes', ['i1', 'i3', 'i9'], { now });
    expect(i1).toMatchObject({ item_main_category: 'Beauty', item_category_l1: 'Beauty', item_categories: ['Beauty', 'Hair'], item_category_depth: 2, item_store: null });
    expect(i3?.item_store).toBe('Acme');
    expect(unknown).toBeNull();
    const [u1] = await readOnlineFeatures(stores.online, 'user_stats', ['u1'], { now });
    expect(u1).toMatchObject({ user_interaction_count: 2, user_rating_mean: 4.5, user_days_since_first_interaction: 100, user_days_since_last_interaction: 98 });
    expect(u1).not.toHaveProperty('user_first_interaction_time');
  });
});
