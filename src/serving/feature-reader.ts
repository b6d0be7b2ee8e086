import { TRAINING_GROUPS } from '../features/definitions.js';
import { readOnlineFeatures } from '../features/online.js';
import type { FeatureGroup } from '../features/types.js';
import type { FeatureValue, OnlineStore } from '../store/types.js';
import { ItemCache } from './item-cache.js';
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
  /** Resolves once no background read of item features runs, so the stores can close. */
  settle(): Promise<void>;
}

export interface FeatureReaderOptions {
  /** Feature groups to read (default: the training groups). */
  readonly groups?: readonly FeatureGroup[];
  /** Maximum age of item features served from memory, ms; 0 reads them on every request. */
  readonly itemCacheMs?: number;
  /** Clock of the item cache, ms since the epoch (default Date.now). */
  readonly clockMs?: () => number;
  /** Uniform numbers in [0, 1) that spread the item cache's refresh times (default Math.random). */
  readonly random?: () => number;
  /** Called with the error of a failed background read of item features. */
  readonly onRefreshError?: (error: unknown) => void;
  /** Time limit of one background read of item features, ms (default none). */
  readonly refreshTimeoutMs?: number;
}

/**
 * Creates the feature reader over the online store and the feature store's training groups. Item
 * features change only when the pipeline materializes new values. Reading 100 items from each item
 * group is most of a request's store time, so with `itemCacheMs` > 0 they are kept in an ItemCache,
 * which reads them again in the background before they expire. A request reads only the items
 * missing from it, in one batch per group. User features and the history are read on every request.
 */
export function createFeatureReader(online: OnlineStore, options: FeatureReaderOptions = {}): FeatureReader {
  const groups = options.groups ?? TRAINING_GROUPS;
  const itemCacheMs = options.itemCacheMs ?? 0;
  const userGroups = groups.filter((g) => g.entity === 'user');
  const itemGroups = groups.filter((g) => g.entity === 'item');

  const readItemsFromStore = async (itemIds: readonly string[], now: number): Promise<NamedValues[]> => {
    const perGroup = await Promise.all(itemGroups.map((g) => readOnlineFeatures(online, g, itemIds, { now })));
    return itemIds.map((_, i) => mergeValues(perGroup, i));
  };
  const cache =
    itemCacheMs > 0
      ? new ItemCache(readItemsFromStore, {
          maxAgeMs: itemCacheMs,
          clockMs: options.clockMs,
          random: options.random,
          onRefreshError: options.onRefreshError,
          refreshTimeoutMs: options.refreshTimeoutMs,
        })
      : null;

  return {
    async readUser(userId, now) {
      const perGroup = await Promise.all(userGroups.map((g) => readOnlineFeatures(online, g, [userId], { now })));
      return mergeValues(perGroup, 0);
    },
    async readItems(itemIds, now) {
      if (itemIds.length === 0) return [];
      return cache === null ? readItemsFromStore(itemIds, now) : cache.get(itemIds, now);
    },
    async readHistory(userId) {
      const [record] = await online.getMany(HISTORY_GROUP, [userId]);
      return new Set(historyItems(record?.values.items ?? null));
    },
    async settle() {
      await cache?.idle();
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
