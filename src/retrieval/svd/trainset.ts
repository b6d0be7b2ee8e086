import { TwostageError } from '../../errors.js';
import type { RatingArrays } from './kernel.js';

/**
 * The training ratings in the order Surprise's `Trainset.all_ratings()` visits them: users by
 * inner id, each user's ratings in insertion order. Inner ids number users and items in order
 * of first appearance among the valid ratings, as Surprise's `Dataset.construct_trainset` does.
 */
export interface Trainset {
  /** Raw user id by inner user id. */
  readonly userIds: readonly string[];
  /** Raw item id by inner item id. */
  readonly itemIds: readonly string[];
  /** Ratings grouped by user (inner ids), shape [nRatings] each. */
  readonly ratings: RatingArrays;
  /** μ: the mean rating, summed like numpy's `mean` (pairwise summation). */
  readonly globalMean: number;
  /** Declared rating scale [min, max]; estimates are clipped to it for display. */
  readonly ratingScale: readonly [number, number];
}

/** Rows of ratings on dense ids: row j is user `userIds[user[j]]` rating item `itemIds[item[j]]` with `rating[j]`. */
export interface RatingRows {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly user: Int32Array;
  readonly item: Int32Array;
  /** NaN marks a row without a valid rating; such rows are skipped. */
  readonly rating: Float64Array;
}

/**
 * Builds a trainset from rating rows in input order, skipping rows whose rating is NaN. Throws
 * REC_ERR_TRAINING_FAILED when no valid rating is left, or when a rating lies outside the scale.
 */
export function buildTrainset(rows: RatingRows, ratingScale: readonly [number, number]): Trainset {
  const [low, high] = ratingScale;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `invalid rating scale [${low}, ${high}]: expected finite numbers with min < max`);
  }

  const userInner = new Int32Array(rows.userIds.length).fill(-1);
  const itemInner = new Int32Array(rows.itemIds.length).fill(-1);
  const userIds: string[] = [];
  const itemIds: string[] = [];
  let valid = 0;
  for (let j = 0; j < rows.rating.length; j++) {
    const value = rows.rating[j];
    if (Number.isNaN(value)) continue;
    if (value < low || value > high) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `rating ${value} of user ${rows.userIds[rows.user[j]]} on item ${rows.itemIds[rows.item[j]]} lies outside the rating scale [${low}, ${high}]`);
    }
    valid++;
    if (userInner[rows.user[j]] < 0) userInner[rows.user[j]] = userIds.push(rows.userIds[rows.user[j]]) - 1;
    if (itemInner[rows.item[j]] < 0) itemInner[rows.item[j]] = itemIds.push(rows.itemIds[rows.item[j]]) - 1;
  }
  if (valid === 0) throw new TwostageError('REC_ERR_TRAINING_FAILED', 'no valid ratings to train SVD on: the dataset has no explicit ratings inside the rating scale');

  // Counting sort by inner user id keeps each user's ratings in insertion order.
  const start = new Int32Array(userIds.length + 1);
  for (let j = 0; j < rows.rating.length; j++) {
    if (!Number.isNaN(rows.rating[j])) start[userInner[rows.user[j]] + 1]++;
  }
  for (let u = 0; u < userIds.length; u++) start[u + 1] += start[u];
  const user = new Int32Array(valid);
  const item = new Int32Array(valid);
  const rating = new Float64Array(valid);
  for (let j = 0; j < rows.rating.length; j++) {
    if (Number.isNaN(rows.rating[j])) continue;
    const u = userInner[rows.user[j]];
    const slot = start[u]++;
    user[slot] = u;
    item[slot] = itemInner[rows.item[j]];
    rating[slot] = rows.rating[j];
  }

  return { userIds, itemIds, ratings: { user, item, rating }, globalMean: pairwiseSum(rating) / valid, ratingScale: [low, high] };
}

/** Builds rating rows from parallel raw-id arrays, numbering ids by first appearance. */
export function ratingRowsFromTriples(users: readonly string[], items: readonly string[], ratings: ArrayLike<number>): RatingRows {
  if (users.length !== items.length || users.length !== ratings.length) {
    throw new RangeError(`users, items and ratings must have the same length, got ${users.length}, ${items.length}, ${ratings.length}`);
  }
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const user = new Int32Array(users.length);
  const item = new Int32Array(users.length);
  for (let j = 0; j < users.length; j++) {
    user[j] = indexOf(userIndex, users[j]);
    item[j] = indexOf(itemIndex, items[j]);
  }
  return { userIds: [...userIndex.keys()], itemIds: [...itemIndex.keys()], user, item, rating: Float64Array.from(ratings) };
}

function indexOf(index: Map<string, number>, id: string): number {
  let found = index.get(id);
  if (found === undefined) {
    found = index.size;
    index.set(id, found);
  }
  return found;
}

const PAIRWISE_BLOCK = 128;

/**
 * Sums like numpy's float64 `add.reduce` on a contiguous array: blocks of up to 128 values use
 * eight interleaved accumulators, longer ranges split in two halves (the first a multiple of 8).
 */
export function pairwiseSum(values: Float64Array, start = 0, end = values.length): number {
  const n = end - start;
  if (n < 8) {
    let sum = 0;
    for (let i = start; i < end; i++) sum += values[i];
    return sum;
  }
  if (n <= PAIRWISE_BLOCK) {
    const r = [values[start], values[start + 1], values[start + 2], values[start + 3], values[start + 4], values[start + 5], values[start + 6], values[start + 7]];
    const blockEnd = start + (n - (n % 8));
    for (let i = start + 8; i < blockEnd; i += 8) {
      for (let lane = 0; lane < 8; lane++) r[lane] += values[i + lane];
    }
    let sum = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (let i = blockEnd; i < end; i++) sum += values[i];
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, start + half) + pairwiseSum(values, start + half, end);
}
