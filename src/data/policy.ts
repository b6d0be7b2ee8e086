/**
 * The ingest policy shared by every format: rating validation, timestamp units and the rules
 * that drop a line. docs/data.md describes the same rules for users.
 */

/** Why a kept interaction has no rating (its rating is NaN): out of the declared scale, not a number, or absent. */
export type RatingIssue = 'out_of_scale' | 'not_numeric' | 'missing';

/** Status code per interaction, stored in an Int8Array: 0 valid or implicit, else a RatingIssue. */
export const RATING_STATUS: Readonly<Record<RatingIssue, number>> = { out_of_scale: 1, not_numeric: 2, missing: 3 };
export const RATING_ISSUES: readonly RatingIssue[] = ['out_of_scale', 'not_numeric', 'missing'];

/**
 * Reasons a line does not become a new interaction. Policy drops are expected in good data;
 * malformed lines are counted under `malformed` and reported one by one.
 * - `exact_duplicate`: the same line (byte for byte) as an earlier line of the same (user, item);
 * - `repeat_interaction`: another event of a (user, item) pair already kept, the earliest wins;
 * - `missing_user_id` / `missing_item_id`: the id field is absent or empty;
 * - `cancellation`: an Online Retail invoice number starting with C;
 * - `non_positive_quantity`: an Online Retail line with quantity ≤ 0 that is not a cancellation;
 * - `non_product_code`: an Online Retail stock code for postage, fees, discounts or adjustments.
 */
export type DropReason =
  | 'malformed'
  | 'exact_duplicate'
  | 'repeat_interaction'
  | 'missing_user_id'
  | 'missing_item_id'
  | 'cancellation'
  | 'non_positive_quantity'
  | 'non_product_code';

/** Drop reasons in the order the summary lists them (the order the rules apply). */
export const DROP_REASONS: readonly DropReason[] = [
  'malformed',
  'cancellation',
  'non_positive_quantity',
  'missing_user_id',
  'missing_item_id',
  'non_product_code',
  'exact_duplicate',
  'repeat_interaction',
];

export type TimeUnit = 's' | 'ms';

/** Earliest accepted event time, 1973-03-03 (1e11 ms): a smaller value in ms is almost surely seconds. */
export const MIN_TIMESTAMP_MS = 1e11;
/** Latest accepted event time: one day ahead of the ingest clock, for time-zone slack. */
export function maxTimestampMs(now = Date.now()): number {
  return now + 86_400_000;
}

/**
 * Converts a raw timestamp in `unit` to ms since the Unix epoch, or returns an error text. A value
 * outside [1973-03-03, tomorrow] after conversion is rejected, which catches seconds declared as
 * milliseconds (1970 dates) and milliseconds declared as seconds (dates past year 5000).
 */
export function toTimestampMs(raw: number, unit: TimeUnit, maxMs: number): number | string {
  if (!Number.isFinite(raw)) return `timestamp is not a number`;
  const ms = unit === 's' ? raw * 1000 : raw;
  if (ms < MIN_TIMESTAMP_MS) {
    return unit === 'ms'
      ? `timestamp ${raw} is before 1973 when read as milliseconds; if the file stores seconds, check the format (for --format csv, pass --time-unit s)`
      : `timestamp ${raw} is before 1973 when read as seconds`;
  }
  if (ms > maxMs) {
    return unit === 's'
      ? `timestamp ${raw} is in the future when read as seconds; if the file stores milliseconds, check the format (for --format csv, pass --time-unit ms)`
      : `timestamp ${raw} is in the future`;
  }
  return Math.round(ms);
}

/** Guesses the unit of a numeric timestamp from its magnitude: below 1e11 it is seconds (1e11 s is year 5138, 1e11 ms is 1973). */
export function guessTimeUnit(raw: number): TimeUnit {
  return Math.abs(raw) < 1e11 ? 's' : 'ms';
}

/** Checks a rating against the declared scale [min, max]; returns the issue or null when valid. */
export function checkRating(rating: number, scale: readonly [number, number]): RatingIssue | null {
  if (Number.isNaN(rating)) return 'not_numeric';
  if (rating < scale[0] || rating > scale[1]) return 'out_of_scale';
  return null;
}

/** Reads a rating field: a number, or a numeric string; NaN for anything else; undefined when absent or empty. */
export function readRating(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return undefined;
    return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  }
  return Number.NaN;
}

/** Reads an id field: strings are trimmed, integral numbers written as text; empty or absent gives null. */
export function readId(raw: unknown): string | null {
  if (typeof raw === 'string') {
    const text = raw.trim();
    return text.length > 0 ? text : null;
  }
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return null;
}
