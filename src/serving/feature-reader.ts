import { TRAINING_GROUPS } from '../features/definitions.js';
import { readOnlineFeatures } from '../features/online.js';
import type { FeatureGroup } from '../features/types.js';
import type { FeatureValue, OnlineStore } from '../store/types.js';
import type { NamedValues } from './types.js';

/** Online group that contains each user's interacted item ids (`items`), written by the pipeline. */
export const HISTORY_GROUP = 'interaction_history';

/** Reads the online features a request needs: one batch read per feature group. */
export interface FeatureReader {
  /** Values of the user merged over the user groups; an empty object when the user has no record. */
  readUser(userId: string, now: number): Promise<NamedValues>;
  /** Values per item merged over the item groups, in request order. */
  readItems(itemIds: readonly string[], now: number): Promise<NamedValues[]>;
  /** Item ids the user interacted with, as materialized by the pipeline. */
  readHistory(userId: string): Promise<ReadonlySet<string>>;
}

/** Maximum number of items in the in-memory item feature cache; a full cache is cleared. */
const MAX_CACHED_ITEMS = 200_000;

/**
 * Creates the feature reader over the online store and the feature store's training groups. Item
 * features are kept in memory for `itemCacheMs` ms (0 disables the cache): they change only when
 * the pipeline materializes new values, and reading 100 items from each item group is most of a
 * request's store time. A request reads only the items missing from the cache, in one batch per group.
 */
export function createFeatureReader(online: OnlineStore, options: { groups?: readonly FeatureGroup[]; itemCacheMs?: number } = {}): FeatureReader {
  const groups = options.groups ?? TRAINING_GROUPS;
  const itemCacheMs = options.itemCacheMs ?? 0;
  const userGroups = groups.filter((g) => g.entity === 'user');
  const itemGroups = groups.filter((g) => g.entity === 'item');
  const cache = new Map<string, { values: NamedValues; expires: number }>();

  const readItemsFromStore = async (itemIds: readonly string[], now: number): Promise<NamedValues[]> => {
    const perGroup = await Promise.all(itemGroups.map((g) => readOnlineFeatures(online, g, itemIds, { now })));
    return itemIds.map((_, i) => mergeValues(perGroup, i));
  };

  return {
    async readUser(userId, now) {
      const perGroup = await Promise.all(userGroups.map((g) => readOnlineFeatures(online, g, [userId], { now })));
      return mergeValues(perGroup, 0);
    },
    async readItems(itemIds, now) {
      if (itemIds.length === 0) return [];
      if (itemCacheMs === 0) return readItemsFromStore(itemIds, now);

      const clock = Date.now();
      const result: NamedValues[] = new Array(itemIds.length);
      const missing: string[] = [];
      for (let i = 0; i < itemIds.length; i++) {
        const entry = cache.get(itemIds[i]);
        if (entry !== undefined && entry.expires > clock) result[i] = entry.values;
        else missing.push(itemIds[i]);
      }
      if (missing.length > 0) {
        const read = await readItemsFromStore(missing, now);
        if (cache.size + missing.length > MAX_CACHED_ITEMS) cache.clear();
        missing.forEach((id, k) => cache.set(id, { values: read[k], expires: clock + itemCacheMs }));
        let k = 0;
        for (let i = 0; i < result.length; i++) if (result[i] === undefined) result[i] = read[k++];
      }
      return result;
    },
    async readHistory(userId) {
      const [record] = await online.getMany(HISTORY_GROUP, [userId]);
      return new Set(historyItems(record?.values.items ?? null));
    },
  };
}

function mergeValues(perGroup: readonly (readonly (NamedValues | null)[])[], index: number): NamedValues {
  const merged: Record<string, FeatureValue> = {};
  for (const rows of perGroup) Object.assign(merged, rows[index] ?? {});
  return merged;
}

function historyItems(value: FeatureValue | undefined): readonly string[] {
  return Array.isArray(value) ? (value as readonly string[]) : [];
}
