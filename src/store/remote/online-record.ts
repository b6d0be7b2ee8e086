import type { FeatureValue, OnlineReadOptions, OnlineRecord } from '../types.js';

/**
 * Shared checks and encoding of online records for the Redis, PostgreSQL and DynamoDB online stores.
 * The binary form is a 16-byte header (event time, created time: f64 little-endian) followed by
 * the values as UTF-8 JSON, so a server-side script compares times without parsing JSON.
 */
export const RECORD_HEADER_BYTES = 16;

export function validateGroup(group: string): void {
  if (typeof group !== 'string' || group === '') {
    throw new TypeError('online feature group must be a non-empty string');
  }
}

export function validateRecord(group: string, record: OnlineRecord, index: number): void {
  if (typeof record.entityId !== 'string' || record.entityId === '') {
    throw new TypeError(`record ${index} for online group ${group} has an empty or non-string entity id`);
  }
  if (!Number.isFinite(record.eventTime) || !Number.isFinite(record.createdTime)) {
    throw new RangeError(`record ${index} (entity ${record.entityId}) for online group ${group} has a non-finite event or created time; expected ms since the epoch`);
  }
  if (record.values === null || typeof record.values !== 'object' || Array.isArray(record.values)) {
    throw new TypeError(`record ${index} (entity ${record.entityId}) for online group ${group} has no values object`);
  }
}

export function encodeRecord(record: OnlineRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record.values), 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + json.length);
  out.writeDoubleLE(record.eventTime, 0);
  out.writeDoubleLE(record.createdTime, 8);
  json.copy(out, RECORD_HEADER_BYTES);
  return out;
}

export function decodeRecord(entityId: string, payload: Buffer): OnlineRecord {
  return {
    entityId,
    eventTime: payload.readDoubleLE(0),
    createdTime: payload.readDoubleLE(8),
    values: JSON.parse(payload.toString('utf8', RECORD_HEADER_BYTES)) as Record<string, FeatureValue>,
  };
}

/** Event time below which a record reads as missing, or -Infinity without a TTL. */
export function oldestEventTime(options: OnlineReadOptions): number {
  return options.ttlMs === undefined ? Number.NEGATIVE_INFINITY : (options.now ?? Date.now()) - options.ttlMs;
}

/** True when `a` (event, created) is not older than `b`. */
export function isNotOlder(a: { eventTime: number; createdTime: number }, b: { eventTime: number; createdTime: number }): boolean {
  return a.eventTime > b.eventTime || (a.eventTime === b.eventTime && a.createdTime >= b.createdTime);
}
