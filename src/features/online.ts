/**
 * The online side of the feature store: materializing the latest records and reading them back
 * by feature name for serving.
 */
import type { FeatureValue, OnlineRecord, OnlineStore } from '../store/types.js';
import { featureGroup, onlineGroupName, outputFeatures } from './definitions.js';
import { derivedValue } from './derived.js';
import { recordValues } from './history.js';
import { pointInTimeJoin } from './pit-join.js';
import type { FeatureGroup, FeatureHistory, FeatureValues } from './types.js';

const WRITE_BATCH = 10_000;

/**
 * Writes, per entity, the record the offline join would pick at time `now` (without the TTL, which
 * readers apply with their own `now`) into the online store. Returns the number of entities
 * written. Writing the same history twice leaves the same values.
 */
export async function materializeOnline(online: OnlineStore, group: FeatureGroup, history: FeatureHistory, now: number): Promise<number> {
  const latest = latestRecords(history, now);
  const records: OnlineRecord[] = [];
  let written = 0;
  for (const r of latest) {
    records.push({
      entityId: history.entityIds[r],
      eventTime: history.eventTime[r],
      createdTime: history.createdTime[r],
      values: recordValues(group, history, r),
    });
    if (records.length === WRITE_BATCH) {
      await online.putLatest(onlineGroupName(group), records);
      written += records.length;
      records.length = 0;
    }
  }
  if (records.length > 0) await online.putLatest(onlineGroupName(group), records);
  return written + records.length;
}

/** Index of the latest record per entity visible at `now`, in order of first appearance of the entity. */
export function latestRecords(history: FeatureHistory, now: number): number[] {
  const codes = new Map<string, number>();
  const recordCodes = new Int32Array(history.entityIds.length);
  history.entityIds.forEach((id, r) => {
    let code = codes.get(id);
    if (code === undefined) {
      code = codes.size;
      codes.set(id, code);
    }
    recordCodes[r] = code;
  });
  const entityCodes = new Int32Array(codes.size);
  for (let c = 0; c < codes.size; c++) entityCodes[c] = c;

  const joined = pointInTimeJoin(
    { code: recordCodes, eventTime: history.eventTime, createdTime: history.createdTime },
    { code: entityCodes, time: new Float64Array(codes.size).fill(now) },
    codes.size,
    null,
  );
  return Array.from(joined).filter((r) => r >= 0);
}

/**
 * Reads the current features of many entities in one batch read, by feature name: the group's
 * output features (hidden stored values left out, derived values computed as of `now`). The
 * result has one entry per id in request order, `null` for an entity without a record or whose
 * record is older than the group's TTL at `now`.
 *
 * @example
 * const [item] = await readOnlineFeatures(online, 'item_stats', ['B01']);
 * item?.item_rating_mean;
 */
export async function readOnlineFeatures(
  online: OnlineStore,
  group: FeatureGroup | string,
  entityIds: readonly string[],
  options: { now?: number } = {},
): Promise<(FeatureValues | null)[]> {
  const resolved = typeof group === 'string' ? featureGroup(group) : group;
  const now = options.now ?? Date.now();
  const records = await online.getMany(onlineGroupName(resolved), entityIds, { ttlMs: resolved.ttlMs ?? undefined, now });
  return records.map((record) => (record === null ? null : servedValues(resolved, record, now)));
}

/** Output feature values of one online record as of `now`. */
export function servedValues(group: FeatureGroup, record: OnlineRecord, now: number): FeatureValues {
  const values: Record<string, FeatureValue> = {};
  for (const spec of outputFeatures(group)) {
    const derived = group.derived.find((d) => d.name === spec.name);
    if (derived) {
      const value = derivedValue(derived, (name) => numberOrNaN(record.values[name]), now);
      values[spec.name] = Number.isNaN(value) ? null : value;
    } else {
      values[spec.name] = record.values[spec.name] ?? null;
    }
  }
  return values;
}

function numberOrNaN(value: FeatureValue | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}
