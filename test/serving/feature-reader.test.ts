import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ITEM_STATS, onlineGroupName } from '../../src/features/definitions.js';
import { createFeatureReader } from '../../src/serving/feature-reader.js';
import { openSqliteOnlineStore, type SqliteOnlineStore } from '../../src/store/sqlite/online-store.js';

describe('createFeatureReader', () => {
  let dir: string;
  let online: SqliteOnlineStore;
  const putMean = (entityId: string, mean: number, time: number) =>
    online.putLatest(onlineGroupName(ITEM_STATS), [{ entityId, eventTime: time, createdTime: time, values: { item_rating_mean: mean } }]);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-reader-'));
    online = await openSqliteOnlineStore(new URL(`sqlite://${dir}/online.sqlite`));
    await putMean('A', 1, 1);
    await putMean('B', 2, 1);
  });

  afterEach(async () => {
    await online.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads items in request order', async () => {
    const reader = createFeatureReader(online);
    const items = await reader.readItems(['B', 'missing', 'A'], Date.now());
    expect(items.map((v) => v.item_rating_mean ?? null)).toEqual([2, null, 1]);
  });

  it('keeps cached items until they expire', async () => {
    const reader = createFeatureReader(online, { itemCacheMs: 60_000 });
    await reader.readItems(['A'], Date.now());
    await putMean('A', 5, 2);
    await putMean('B', 6, 2);
    const items = await reader.readItems(['A', 'B'], Date.now());
    expect(items[0].item_rating_mean).toBe(1);
    expect(items[1].item_rating_mean).toBe(6);
  });

  it('reads fresh values without a cache', async () => {
    const reader = createFeatureReader(online, { itemCacheMs: 0 });
    await reader.readItems(['A'], Date.now());
    await putMean('A', 5, 2);
    expect((await reader.readItems(['A'], Date.now()))[0].item_rating_mean).toBe(5);
  });

  it('reads the interaction history as a set', async () => {
    await online.putLatest('interaction_history', [{ entityId: 'u', eventTime: 1, createdTime: 1, values: { items: ['A', 'B'] } }]);
    const reader = createFeatureReader(online);
    expect([...(await reader.readHistory('u'))]).toEqual(['A', 'B']);
    expect((await reader.readHistory('nobody')).size).toBe(0);
  });
});
