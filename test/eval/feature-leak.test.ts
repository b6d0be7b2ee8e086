import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatasetInfo, buildInteractions, emptyItemRecord } from '../../src/data/dataset.js';
import { computeItemStats, computeUserStats } from '../../src/features/compute.js';
import { ITEM_STATS, USER_STATS } from '../../src/features/definitions.js';
import { columnValue } from '../../src/features/history.js';
import { runFeaturePipeline } from '../../src/features/pipeline.js';
import { getTrainingFeatures } from '../../src/features/training.js';
import { temporalSplit } from '../../src/eval/splits.js';
import { connectDuckDb } from '../../src/store/duckdb/connection.js';
import { DuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import { SqliteOnlineStore } from '../../src/store/sqlite/online-store.js';

const DAY = 86_400_000;
const CUT = 10 * DAY;

// Four users and five items over 16 days; several test-period events touch trained users and items.
const rows = [];
for (let u = 0; u < 4; u++) {
  for (let i = 0; i < 5; i++) {
    if ((u + 2 * i) % 3 === 0) continue;
    rows.push({ user: `u${u}`, item: `i${i}`, rating: 1 + ((u + i) % 5), timestamp: (1 + ((u * 5 + i * 3) % 16)) * DAY });
  }
}
// An event exactly at the cut belongs to the test period and must not reach features as of the cut.
rows.push({ user: 'u0', item: 'i3', rating: 4, timestamp: CUT });
const interactions = buildInteractions(rows);
const data = { info: buildDatasetInfo([1, 5]), interactions, items: interactions.itemIds.map((id) => emptyItemRecord(id)) };

let offline: DuckDbOfflineStore;
let online: SqliteOnlineStore;

beforeAll(async () => {
  offline = new DuckDbOfflineStore('duckdb:///:memory:', await connectDuckDb(':memory:'));
  online = new SqliteOnlineStore('sqlite:///:memory:', new Database(':memory:'));
  await runFeaturePipeline({ offline, online, data, now: 20 * DAY, quiet: true });
});

afterAll(async () => {
  await offline.close();
  await online.close();
});

describe('features as of the cut', () => {
  it('equal features computed from training events only', async () => {
    const split = temporalSplit(interactions, { cutTime: CUT });
    expect(split.test.user.length).toBeGreaterThan(0);

    // Every (test user, test item) pair, read as of the cut.
    const testRows = {
      userIds: Array.from(split.test.user, (u) => split.test.userIds[u]),
      itemIds: Array.from(split.test.item, (i) => split.test.itemIds[i]),
      timestamps: new Float64Array(split.test.user.length).fill(CUT),
    };
    const fromStore = await getTrainingFeatures(offline, testRows);

    const trainOnly = { info: data.info, interactions: split.train, items: data.items };
    const histories = new Map([
      [USER_STATS.name, computeUserStats(trainOnly)],
      [ITEM_STATS.name, computeItemStats(trainOnly)],
    ]);
    const fromTraining = await getTrainingFeatures(offline, testRows, histories);

    const names = Object.keys(fromStore.columns);
    expect(names.length).toBeGreaterThan(4);
    for (const name of names) {
      for (let r = 0; r < testRows.userIds.length; r++) {
        expect({ name, row: r, value: columnValue(fromStore.columns[name], r) }).toEqual({
          name,
          row: r,
          value: columnValue(fromTraining.columns[name], r),
        });
      }
    }
  });

  it('differ from features read after the test period', async () => {
    const split = temporalSplit(interactions, { cutTime: CUT });
    const user = split.test.userIds[split.test.user[0]];
    const item = split.test.itemIds[split.test.item[0]];
    const asOf = (time: number) => getTrainingFeatures(offline, { userIds: [user], itemIds: [item], timestamps: [time] });
    const atCut = await asOf(CUT);
    const later = await asOf(30 * DAY);
    const countName = Object.keys(atCut.columns).find((name) => name.startsWith('user_') && name.includes('count'));
    expect(countName).toBeDefined();
    expect(columnValue(later.columns[countName!], 0)).not.toEqual(columnValue(atCut.columns[countName!], 0));
  });
});
