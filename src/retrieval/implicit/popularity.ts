import { TwostageError } from '../../errors.js';

/**
 * Item popularity: the number of distinct users who interacted with each item, overall or within
 * a recent window. Inputs are parallel interaction arrays (dense user and item indices, event
 * time in ms); output has shape [itemCount].
 */
export function countDistinctUsers(
  user: Int32Array,
  item: Int32Array,
  itemCount: number,
  include: ((index: number) => boolean) | null = null,
): Float32Array {
  const counts = new Float32Array(itemCount);
  const seen = new Set<number>();
  for (let j = 0; j < user.length; j++) {
    if (include !== null && !include(j)) continue;
    const i = item[j];
    if (i < 0 || i >= itemCount) continue;
    // One count per (user, item) pair: the key fits in a double exactly below 2^53.
    const key = user[j] * itemCount + i;
    if (seen.has(key)) continue;
    seen.add(key);
    counts[i]++;
  }
  return counts;
}

/**
 * Distinct users per item among interactions at or after `end - windowMs` and at or before
 * `end` (the latest training event when `end` is omitted).
 */
export function countRecentUsers(user: Int32Array, item: Int32Array, timestamp: Float64Array, itemCount: number, windowMs: number, end?: number): Float32Array {
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `recent popularity window must be a positive number of ms, got ${windowMs}`);
  }
  let last = end ?? -Infinity;
  if (end === undefined) for (let j = 0; j < timestamp.length; j++) if (timestamp[j] > last) last = timestamp[j];
  const start = last - windowMs;
  return countDistinctUsers(user, item, itemCount, (j) => timestamp[j] >= start && timestamp[j] <= last);
}
