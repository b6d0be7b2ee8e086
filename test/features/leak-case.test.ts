import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getTrainingFeatures } from '../../src/features/training.js';
import { loadPriceHistory } from '../../src/features/price-history.js';
import { runFeaturePipeline } from '../../src/features/pipeline.js';
import { readOnlineFeatures } from '../../src/features/online.js';
import { columnValue } from '../../src/features/history.js';
import { trainingFeatures } from '../../src/features/definitions.js';
import { sharedPath } from '../helpers/shared.js';
import { loadLeakCase } from './fixtures.js';
import { memoryStores } from './stores.js';

// Case: reviews in the same millisecond as the label, the label itself, later reviews, a price
// correction created after the label, and crawl-time metadata must all stay out of the features.
describe('point-in-time leak case', () => {
  let stores: Awaited<ReturnType<typeof memoryStores>>;
  beforeEach(async () => {
    stores = await memoryStores();
    await runFeaturePipeline({
      offline: stores.offline,
      online: stores.online,
      data: loadLeakCase(),
      priceHistory: await loadPriceHistory(sharedPath('cases', 'B11', 'item_price_history.csv')),
      now: 1_700_000_000_000,
      quiet: true,
    });
  });
  afterEach(async () => stores.close());

  async function labelFeatures() {
    const [header, ...lines] = readFileSync(sharedPath('cases', 'B11', 'labels.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('label_id,user_id,item_id,event_ts,label');
    const rows = lines.map((l) => l.split(','));
    const features = await getTrainingFeatures(stores.offline, {
      userIds: rows.map((r) => r[1]),
      itemIds: rows.map((r) => r[2]),
      timestamps: rows.map((r) => Number(r[3])),
    });
    const value = (name: string) => columnValue(features.columns[name], 0);
    return { features, value };
  }

  it('counts only reviews strictly before the label time', async () => {
    const { value } = await labelFeatures();
    expect(value('item_rating_count')).toBe(2);
    expect(value('item_interaction_count')).toBe(2);
    expect(value('item_rating_mean')).toBeCloseTo(3.0, 12);
  });

  it('excludes the label from user features', async () => {
    const { value } = await labelFeatures();
    expect(value('user_rating_count')).toBe(1);
    expect(value('user_rating_mean')).toBeCloseTo(4.0, 12);
  });

  it('ignores the price correction created after the label', async () => {
    const { value } = await labelFeatures();
    expect(value('item_price')).toBe(19.99);
  });

  it('leaves crawl-time snapshot features out of training', async () => {
    const { features } = await labelFeatures();
    expect(features.excludedSnapshotFeatures).toEqual(['item_snapshot_average_rating', 'item_snapshot_rating_number', 'item_snapshot_price']);
    for (const name of features.excludedSnapshotFeatures) expect(features.columns[name]).toBeUndefined();
    expect(Object.keys(features.columns)).toEqual(trainingFeatures().map((f) => f.name));
  });

  it('serves the latest values online', async () => {
    const now = 1_700_000_000_000;
    const [item] = await readOnlineFeatures(stores.online, 'item_stats', ['PX1101'], { now });
    expect(item?.item_rating_count).toBe(5);
    expect(item?.item_rating_mean).toBeCloseTo(14 / 5, 12);
    const [snapshot] = await readOnlineFeatures(stores.online, 'item_snapshot', ['PX1101'], { now });
    expect(snapshot?.item_snapshot_rating_number).toBe(812);
    const [price] = await readOnlineFeatures(stores.online, 'item_price', ['PX1101'], { now: 1_596_000_000_000 });
    expect(price?.item_price).toBe(24.99);
  });
});
