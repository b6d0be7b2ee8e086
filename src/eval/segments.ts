import type { IndexLists } from './index-lists.js';

/**
 * User group reported separately. `warm` users have at least the warm threshold of training
 * interactions and `cold` users have fewer but at least one. `all` is both together. `new` users
 * have none, and only models with a score for unknown users rank them.
 */
export type SegmentName = 'all' | 'warm' | 'cold' | 'new';

export const SEGMENT_NAMES: readonly SegmentName[] = ['all', 'warm', 'cold', 'new'];

/** Default training interactions a user needs to count as warm. */
export const DEFAULT_WARM_THRESHOLD = 5;

/** Segment of each user of the test index space, as 0 = new, 1 = cold, 2 = warm. */
export function userSegments(trainItems: IndexLists, trainUserCount: number, warmThreshold: number): Uint8Array {
  if (!Number.isInteger(warmThreshold) || warmThreshold < 1) {
    throw new RangeError(`invalid warm threshold ${warmThreshold}: expected a positive integer`);
  }
  const users = trainItems.offsets.length - 1;
  const segment = new Uint8Array(users);
  for (let u = 0; u < users; u++) {
    const history = u < trainUserCount ? trainItems.offsets[u + 1] - trainItems.offsets[u] : 0;
    if (history === 0) segment[u] = 0;
    else if (history < warmThreshold) segment[u] = 1;
    else segment[u] = 2;
  }
  return segment;
}

/** Returns true when a user with the given segment code belongs to the named segment. */
export function inSegment(code: number, name: SegmentName): boolean {
  switch (name) {
    case 'all':
      return code !== 0;
    case 'warm':
      return code === 2;
    case 'cold':
      return code === 1;
    case 'new':
      return code === 0;
  }
}
