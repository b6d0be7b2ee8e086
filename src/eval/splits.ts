import type { Interactions } from '../data/types.js';
import { TwostageError } from '../errors.js';
import { splitByFlag } from './reindex.js';
import { DEFAULT_LEAVE_OUT_COUNT, DEFAULT_TEMPORAL_QUANTILE, type TrainTestSplit } from './split-types.js';

/**
 * Returns the q-quantile of `values` with linear interpolation between the two nearest order
 * statistics (position q·(n-1)), the default of numpy.percentile and pandas.quantile.
 */
export function linearQuantile(values: Float64Array, q: number): number {
  if (values.length === 0) throw new RangeError('cannot take a quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/**
 * Global temporal split: interactions before the cut train, interactions at or after it test.
 * The cut is `cutTime` (ms) when given, else the `quantile` of all event times (default 0.8).
 * Throws when either side would be empty.
 */
export function temporalSplit(data: Interactions, options: { cutTime?: number; quantile?: number } = {}): TrainTestSplit {
  const quantile = options.quantile ?? DEFAULT_TEMPORAL_QUANTILE;
  if (!(quantile > 0 && quantile < 1)) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid temporal quantile ${quantile}: expected a number strictly between 0 and 1`);
  }
  requireEventTimes(data, 'a temporal split');
  const cutTime = options.cutTime ?? linearQuantile(data.timestamp, quantile);
  if (!Number.isFinite(cutTime)) throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid cut time ${cutTime}: expected ms since the Unix epoch`);

  const isTest = new Uint8Array(data.timestamp.length);
  let testCount = 0;
  for (let j = 0; j < isTest.length; j++) {
    if (data.timestamp[j] >= cutTime) {
      isTest[j] = 1;
      testCount++;
    }
  }
  checkBothSidesFilled(isTest.length - testCount, testCount, `cut time ${new Date(cutTime).toISOString()}`);

  const how = options.cutTime === undefined ? `the ${formatPercent(quantile)} quantile of event time` : 'a given time';
  return splitByFlag(data, isTest, {
    kind: 'temporal',
    cutTime,
    description: `global temporal split at ${new Date(cutTime).toISOString()} (${how}): training events before it, test events from it`,
  });
}

/**
 * Per-user leave-last-N-out: each user's `count` latest interactions test (ties in time broken
 * by input order, later entries count as later), the rest train. Users with `count` or fewer
 * interactions stay wholly in training, so every test user has training history. The cut differs
 * per user, so training can contain events later than another user's test events.
 */
export function leaveLastOutSplit(data: Interactions, count: number = DEFAULT_LEAVE_OUT_COUNT): TrainTestSplit {
  if (!Number.isInteger(count) || count < 1) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid leave-out count ${count}: expected a positive integer`);
  }
  requireEventTimes(data, 'a leave-last-out split');
  const byUser = entriesByUser(data);
  const isTest = new Uint8Array(data.user.length);
  let testCount = 0;
  for (let u = 0; u < data.userIds.length; u++) {
    const start = byUser.offsets[u];
    const end = byUser.offsets[u + 1];
    if (end - start <= count) continue;
    const entries = Array.from(byUser.entries.subarray(start, end));
    entries.sort((a, b) => data.timestamp[a] - data.timestamp[b] || a - b);
    for (let p = entries.length - count; p < entries.length; p++) {
      isTest[entries[p]] = 1;
      testCount++;
    }
  }
  checkBothSidesFilled(isTest.length - testCount, testCount, `leave-last-${count}-out`);

  return splitByFlag(data, isTest, {
    kind: 'leave-last-out',
    cutTime: null,
    description: `per-user leave-last-${count}-out by event time: each user's ${count} latest interaction(s) test, users with ${count} or fewer stay in training`,
  });
}

/** Interaction indices grouped by user, in input order: entries[offsets[u] … offsets[u+1]). */
function entriesByUser(data: Interactions): { offsets: Int32Array; entries: Int32Array } {
  const userCount = data.userIds.length;
  const offsets = new Int32Array(userCount + 1);
  for (let j = 0; j < data.user.length; j++) offsets[data.user[j] + 1]++;
  for (let u = 0; u < userCount; u++) offsets[u + 1] += offsets[u];
  const cursor = offsets.slice(0, userCount);
  const entries = new Int32Array(data.user.length);
  for (let j = 0; j < data.user.length; j++) entries[cursor[data.user[j]]++] = j;
  return { offsets, entries };
}

function requireEventTimes(data: Interactions, what: string): void {
  let missing = 0;
  for (let j = 0; j < data.timestamp.length; j++) if (Number.isNaN(data.timestamp[j])) missing++;
  if (missing > 0) {
    throw new TwostageError(
      'REC_ERR_REQUEST_INVALID',
      `${missing} interaction(s) have no event time, but ${what} orders by time; ingest a time column or use --split predefined`,
    );
  }
}

function checkBothSidesFilled(trainCount: number, testCount: number, what: string): void {
  if (trainCount === 0 || testCount === 0) {
    throw new TwostageError(
      'REC_ERR_REQUEST_INVALID',
      `${what} leaves ${trainCount} training and ${testCount} test interactions; both parts need at least one`,
    );
  }
}

function formatPercent(q: number): string {
  return `${Math.round(q * 1000) / 10} %`;
}
