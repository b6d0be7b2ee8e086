import { TRAINING_GROUPS } from '../features/definitions.js';
import { readOnlineFeatures } from '../features/online.js';
import type { FeatureGroup } from '../features/types.js';
import type { FeatureValue, OnlineStore } from '../store/types.js';
import type { NamedValues } from './types.js';

/** Online group that holds each user's interacted item ids (`items`), written by the pipeline. */
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

/** The feature reader over the online store and the feature store's training groups. */
export function createFeatureReader(online: OnlineStore, groups: readonly FeatureGroup[] = TRAINING_GROUPS): FeatureReader {
  const userGroups = groups.filter((g) => g.entity === 'user');
  const itemGroups = groups.filter((g) => g.entity === 'item');
  return {
    async readUser(userId, now) {
      const perGroup = await Promise.all(userGroups.map((g) => readOnlineFeatures(online, g, [userId], { now })));
      return mergeValues(perGroup, 0);
    },
    async readItems(itemIds, now) {
      if (itemIds.length === 0) return [];
      const perGroup = await Promise.all(itemGroups.map((g) => readOnlineFeatures(online, g, itemIds, { now })));
      return itemIds.map((_, i) => mergeValues(perGroup, i));
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
