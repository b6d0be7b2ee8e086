import type { InteractionBuilder } from './builder.js';
import { RATING_ISSUES, RATING_STATUS, type RatingIssue } from './policy.js';

export interface FinishedRatings {
  scale: readonly [number, number] | null;
  /** Valid rating per interaction, NaN where rejected or implicit. */
  values: Float64Array;
  valid: number;
  rejected: Record<RatingIssue, number>;
}

/** Checks every kept rating against the scale (observed from the data when not declared) and counts the rejected ones. */
export function finishRatings(builder: InteractionBuilder, declared: readonly [number, number] | null | 'observed'): FinishedRatings {
  const raw = builder.rawRating.view();
  const status = builder.ratingStatus.view();
  const values = new Float64Array(raw.length).fill(Number.NaN);
  const rejected: Record<RatingIssue, number> = { out_of_scale: 0, not_numeric: 0, missing: 0 };
  if (declared === null) return { scale: null, values, valid: 0, rejected };

  let scale: readonly [number, number];
  if (declared === 'observed') {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < raw.length; j++) {
      if (status[j] !== 0) continue;
      if (raw[j] < min) min = raw[j];
      if (raw[j] > max) max = raw[j];
    }
    scale = min <= max ? [min, max] : [0, 0];
  } else {
    scale = declared;
  }

  let valid = 0;
  for (let j = 0; j < raw.length; j++) {
    if (status[j] === 0 && (raw[j] < scale[0] || raw[j] > scale[1])) status[j] = RATING_STATUS.out_of_scale;
    if (status[j] === 0) {
      values[j] = raw[j];
      valid += 1;
    } else {
      rejected[RATING_ISSUES[status[j] - 1]] += 1;
    }
  }
  return { scale, values, valid, rejected };
}
