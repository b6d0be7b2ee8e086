/** Errors of rating predictions, in rating units. */
export interface RatingErrors {
  readonly rmse: number;
  readonly mae: number;
  /** Pairs that entered the figures (actual rating not NaN). */
  readonly count: number;
}

/**
 * Computes RMSE and MAE of `predicted` against `actual` (same length). Pairs whose actual rating
 * is NaN (no rating) are skipped. A NaN prediction for a rated pair throws, because it would
 * silently turn both figures into NaN.
 */
export function computeRatingErrors(predicted: ArrayLike<number>, actual: ArrayLike<number>): RatingErrors {
  if (predicted.length !== actual.length) {
    throw new RangeError(`predictions (${predicted.length}) and ratings (${actual.length}) differ in length`);
  }
  let squared = 0;
  let absolute = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const rating = actual[i];
    if (rating !== rating) continue;
    const prediction = predicted[i];
    if (prediction !== prediction) throw new RangeError(`prediction ${i} is NaN for a rated pair (rating ${rating})`);
    const error = prediction - rating;
    squared += error * error;
    absolute += Math.abs(error);
    count++;
  }
  if (count === 0) return { rmse: Number.NaN, mae: Number.NaN, count };
  return { rmse: Math.sqrt(squared / count), mae: absolute / count, count };
}
