import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureSourceData } from '../../src/features/compute.js';
import { columnValue } from '../../src/features/history.js';
import { readOnlineFeatures } from '../../src/features/online.js';
import { formatCategoryCount, pairFeatureValues, parseCategoryCounts } from '../../src/features/pair.js';
import { runFeaturePipeline } from '../../src/features/pipeline.js';
import { getTrainingFeatures } from '../../src/features/training.js';
import type { FeatureValue } from '../../src/store/types.js';
import { buildDataset, itemRecord, type FixtureInteraction } from './fixtures.js';
import { memoryStores } from './stores.js';

const DAY = 86_400_000;
const T0 = 1_600_000_000_000;
const NOW = T0 + 200 * DAY;

// Four users, six items with genres (i5 has none), interactions spread over 120 days, several
// in the same millisecond as a query time below.
const ITEMS = [
  itemRecord('i0', { categories: ['Drama'] }),
  itemRecord('i1', { categories: ['Drama', 'Romance'] }),
  itemRecord('i2', { categories: ['Comedy'] }),
  itemRecord('i3', { categories: ['Comedy', 'Drama'] }),
  itemRecord('i4', { categories: ['Sci=Fi'] }),
  itemRecord('i5'),
];
const EVENTS: FixtureInteraction[] = [];
for (let u = 0; u < 4; u++) {
  for (let i = 0; i < 6; i++) {
    if ((u * 7 + i * 3) % 4 === 0) continue;
    EVENTS.push({ user: `u${u}`, item: `i${i}`, rating: 1 + ((u + i) % 5), timestamp: T0 + ((u * 17 + i * 23) % 120) * DAY });
  }
}
const QUERY_TIMES = [T0 + 30 * DAY, T0 + 60 * DAY, ...EVENTS.slice(0, 4).map((e) => e.timestamp), T0 + 130 * DAY];

/** Every (user, item, time) combination, so each feature is checked for each pair at each time. */
function queryRows() {
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const timestamps: number[] = [];
  for (const t of QUERY_TIMES) {
    for (let u = 0; u < 4; u++) {
      for (const item of ITEMS) {
        userIds.push(`u${u}`);
        itemIds.push(item.itemId);
        timestamps.push(t);
      }
    }
  }
  return { userIds, itemIds, timestamps };
}

function categoriesOf(itemId: string): readonly string[] {
  return ITEMS.find((item) => item.itemId === itemId)?.categories ?? [];
}

/** Decayed count of the item's interactions strictly before `t`, computed directly. */
function expectedPopularity(itemId: string, t: number, halfLifeDays: number): number | null {
  const before = EVENTS.filter((e) => e.item === itemId && e.timestamp < t);
  if (before.length === 0) return null;
  return before.reduce((sum, e) => sum + Math.pow(2, -(t - e.timestamp) / (halfLifeDays * DAY)), 0);
}

/** Category shares of the user's interactions strictly before `t`, computed directly. */
function expectedShares(userId: string, itemId: string, t: number): { mean: number | null; max: number | null } {
  const history = EVENTS.filter((e) => e.user === userId && e.timestamp < t && categoriesOf(e.item).length > 0);
  const categories = categoriesOf(itemId);
  if (history.length === 0 || categories.length === 0) return { mean: null, max: null };
  const shares = categories.map((c) => history.filter((e) => categoriesOf(e.item).includes(c)).length / history.length);
  return { mean: shares.reduce((a, b) => a + b, 0) / shares.length, max: Math.max(...shares) };
}

function expectClose(actual: FeatureValue, expected: number | null, context: string): void {
  if (expected === null) {
    expect({ context, actual }).toEqual({ context, actual: null });
    return;
  }
  expect(typeof actual, context).toBe('number');
  expect(Math.abs((actual as number) - expected), context).toBeLessThan(1e-9 * Math.max(1, Math.abs(expected)));
}

async function storesWith(data: FeatureSourceData) {
  const stores = await memoryStores();
  await runFeaturePipeline({ offline: stores.offline, online: stores.online, data, now: NOW, quiet: true });
  return stores;
}

describe('item trend and user–item affinity features', () => {
  let full: Awaited<ReturnType<typeof memoryStores>>;
  beforeAll(async () => {
    full = await storesWith(buildDataset(EVENTS, ITEMS));
  });
  afterAll(async () => full.close());

  it('recent popularity decays events strictly before the row time', async () => {
    const rows = queryRows();
    const features = await getTrainingFeatures(full.offline, rows);
    for (let r = 0; r < rows.userIds.length; r++) {
      for (const days of [7, 30]) {
        const context = `${rows.itemIds[r]} at ${rows.timestamps[r]}, ${days}d`;
        expectClose(columnValue(features.columns[`item_recent_popularity_${days}d`], r), expectedPopularity(rows.itemIds[r], rows.timestamps[r], days), context);
      }
    }
  });

  it('category shares count events strictly before the row time', async () => {
    const rows = queryRows();
    const features = await getTrainingFeatures(full.offline, rows);
    let checked = 0;
    for (let r = 0; r < rows.userIds.length; r++) {
      const expected = expectedShares(rows.userIds[r], rows.itemIds[r], rows.timestamps[r]);
      const context = `${rows.userIds[r]} ${rows.itemIds[r]} at ${rows.timestamps[r]}`;
      expectClose(columnValue(features.columns.user_item_category_share_mean, r), expected.mean, `${context} mean`);
      expectClose(columnValue(features.columns.user_item_category_share_max, r), expected.max, `${context} max`);
      if (expected.mean !== null) checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('features ignore every event at or after the row time', async () => {
    for (const t of QUERY_TIMES) {
      const truncated = await storesWith(buildDataset(EVENTS.filter((e) => e.timestamp < t), ITEMS));
      try {
        const rows = queryRows();
        const at = rows.timestamps.map(() => t);
        const fromFull = await getTrainingFeatures(full.offline, { ...rows, timestamps: at });
        const fromPast = await getTrainingFeatures(truncated.offline, { ...rows, timestamps: at });
        for (const name of ['item_recent_popularity_7d', 'item_recent_popularity_30d', 'user_category_counts', 'user_categorized_count', 'user_item_category_share_mean', 'user_item_category_share_max', 'user_item_rating_mean_diff']) {
          for (let r = 0; r < rows.userIds.length; r++) {
            expect({ name, t, r, value: columnValue(fromFull.columns[name], r) }).toEqual({ name, t, r, value: columnValue(fromPast.columns[name], r) });
          }
        }
      } finally {
        await truncated.close();
      }
    }
  });

  it('serving computes the same values as training at the same time', async () => {
    const rows = { userIds: [] as string[], itemIds: [] as string[], timestamps: [] as number[] };
    for (let u = 0; u < 4; u++) {
      for (const item of ITEMS) {
        rows.userIds.push(`u${u}`);
        rows.itemIds.push(item.itemId);
        rows.timestamps.push(NOW);
      }
    }
    const training = await getTrainingFeatures(full.offline, rows);
    for (let r = 0; r < rows.userIds.length; r++) {
      const [stats] = await readOnlineFeatures(full.online, 'user_stats', [rows.userIds[r]], { now: NOW });
      const [categories] = await readOnlineFeatures(full.online, 'user_categories', [rows.userIds[r]], { now: NOW });
      const [itemStats] = await readOnlineFeatures(full.online, 'item_stats', [rows.itemIds[r]], { now: NOW });
      const [attributes] = await readOnlineFeatures(full.online, 'item_attributes', [rows.itemIds[r]], { now: NOW });
      const [trend] = await readOnlineFeatures(full.online, 'item_trend', [rows.itemIds[r]], { now: NOW });
      const served = { ...pairFeatureValues({ ...stats, ...categories }, { ...itemStats, ...attributes }), ...trend };
      for (const name of ['item_recent_popularity_7d', 'item_recent_popularity_30d', 'user_item_category_share_mean', 'user_item_category_share_max', 'user_item_rating_mean_diff']) {
        const offline = columnValue(training.columns[name], r);
        const context = `${name} ${rows.userIds[r]} ${rows.itemIds[r]}`;
        if (offline === null) expect(served[name] ?? null, context).toBeNull();
        else expectClose(served[name] ?? null, offline as number, context);
      }
    }
  });

  it('category profile entries round-trip a category containing =', () => {
    const entries = [formatCategoryCount('Sci=Fi', 3), formatCategoryCount('Drama', 12)];
    expect(entries).toEqual(['Sci=Fi=3', 'Drama=12']);
    expect([...parseCategoryCounts(entries)]).toEqual([
      ['Sci=Fi', 3],
      ['Drama', 12],
    ]);
  });
});
