import type { Interactions } from '../data/types.js';
import type { SplitKind, TrainTestSplit } from './split-types.js';

/**
 * Splits `data` by a per-interaction flag (1 = test, 0 = train) and re-indexes both parts into
 * the training part's index space (see TrainTestSplit). Entry order within each part follows
 * `data`, so trainers visit the training interactions in input order.
 */
export function splitByFlag(
  data: Interactions,
  isTest: Uint8Array,
  meta: { kind: SplitKind; description: string; cutTime: number | null },
): TrainTestSplit {
  if (isTest.length !== data.user.length) {
    throw new RangeError(`test flags have length ${isTest.length}, expected one per interaction (${data.user.length})`);
  }

  const userMap = new Int32Array(data.userIds.length).fill(-1);
  const itemMap = new Int32Array(data.itemIds.length).fill(-1);
  const userIds: string[] = [];
  const itemIds: string[] = [];
  let trainCount = 0;
  for (let j = 0; j < isTest.length; j++) {
    if (isTest[j] !== 0) continue;
    trainCount++;
    if (userMap[data.user[j]] < 0) userMap[data.user[j]] = userIds.push(data.userIds[data.user[j]]) - 1;
    if (itemMap[data.item[j]] < 0) itemMap[data.item[j]] = itemIds.push(data.itemIds[data.item[j]]) - 1;
  }
  const trainUserIds = userIds.slice();
  const trainItemIds = itemIds.slice();
  for (let j = 0; j < isTest.length; j++) {
    if (isTest[j] === 0) continue;
    if (userMap[data.user[j]] < 0) userMap[data.user[j]] = userIds.push(data.userIds[data.user[j]]) - 1;
    if (itemMap[data.item[j]] < 0) itemMap[data.item[j]] = itemIds.push(data.itemIds[data.item[j]]) - 1;
  }

  const train = selectInteractions(data, isTest, 0, trainCount, userMap, itemMap, trainUserIds, trainItemIds);
  const test = selectInteractions(data, isTest, 1, isTest.length - trainCount, userMap, itemMap, userIds, itemIds);
  return { ...meta, train, test, testStart: firstEventPerUser(test, meta.cutTime) };
}

function selectInteractions(
  data: Interactions,
  isTest: Uint8Array,
  flag: 0 | 1,
  count: number,
  userMap: Int32Array,
  itemMap: Int32Array,
  userIds: readonly string[],
  itemIds: readonly string[],
): Interactions {
  const user = new Int32Array(count);
  const item = new Int32Array(count);
  const rating = new Float64Array(count);
  const weight = new Float32Array(count);
  const timestamp = new Float64Array(count);
  let write = 0;
  for (let j = 0; j < isTest.length; j++) {
    if ((isTest[j] === 0 ? 0 : 1) !== flag) continue;
    user[write] = userMap[data.user[j]];
    item[write] = itemMap[data.item[j]];
    rating[write] = data.rating[j];
    weight[write] = data.weight[j];
    timestamp[write] = data.timestamp[j];
    write++;
  }
  return { userIds, itemIds, user, item, rating, weight, timestamp };
}

/** Global cut for every test user when there is one, else each user's first test event. */
function firstEventPerUser(test: Interactions, cutTime: number | null): Float64Array {
  const start = new Float64Array(test.userIds.length).fill(Number.NaN);
  for (let j = 0; j < test.user.length; j++) {
    const u = test.user[j];
    if (cutTime !== null) start[u] = cutTime;
    else if (!(start[u] <= test.timestamp[j])) start[u] = test.timestamp[j];
  }
  return start;
}
