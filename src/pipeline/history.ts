import type { Interactions } from '../data/types.js';
import { HISTORY_GROUP } from '../serving/feature-reader.js';
import type { OnlineRecord, OnlineStore } from '../store/types.js';

const WRITE_BATCH_USERS = 5_000;

/**
 * Replaces the online `interaction_history` group: per user, the distinct item ids they
 * interacted with, which the API removes from every response. Event time is the user's latest
 * interaction. Returns the number of users written.
 */
export async function materializeHistory(online: OnlineStore, interactions: Interactions, now: number): Promise<number> {
  const items: Set<string>[] = interactions.userIds.map(() => new Set());
  const latest = new Float64Array(interactions.userIds.length);
  for (let j = 0; j < interactions.user.length; j++) {
    const u = interactions.user[j];
    items[u].add(interactions.itemIds[interactions.item[j]]);
    const t = interactions.timestamp[j];
    if (Number.isFinite(t) && t > latest[u]) latest[u] = t;
  }

  // NOTE: readers see an empty history between the clear and the last batch; precomputed
  // candidates already exclude history, so only on-the-fly responses are affected.
  await online.clearGroup(HISTORY_GROUP);
  let records: OnlineRecord[] = [];
  for (let u = 0; u < interactions.userIds.length; u++) {
    records.push({ entityId: interactions.userIds[u], eventTime: latest[u], createdTime: now, values: { items: [...items[u]] } });
    if (records.length === WRITE_BATCH_USERS) {
      await online.putLatest(HISTORY_GROUP, records);
      records = [];
    }
  }
  if (records.length > 0) await online.putLatest(HISTORY_GROUP, records);
  return interactions.userIds.length;
}
