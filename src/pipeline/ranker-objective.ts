import type { FeedbackKind } from '../data/types.js';
import { ConfigError } from '../errors.js';

/** What the pipeline's ranker learns; see RANKER_OBJECTIVE. */
export type RankerObjective = 'rating' | 'interaction' | 'lambdarank';

/** The RANKER_OBJECTIVE setting: a RankerObjective, or `auto`. */
export type RankerObjectiveSetting = RankerObjective | 'auto';

/** Objective `auto` picks on implicit data: it ranked better than `lambdarank` on UCI Online Retail. */
export const AUTO_IMPLICIT_OBJECTIVE: RankerObjective = 'interaction';

/**
 * Resolves the setting for a dataset: `auto` is `rating` on explicit data and
 * AUTO_IMPLICIT_OBJECTIVE on implicit data. `rating` needs ratings, so it fails on implicit data.
 */
export function resolveRankerObjective(setting: RankerObjectiveSetting, feedback: FeedbackKind): RankerObjective {
  if (setting === 'auto') return feedback === 'explicit' ? 'rating' : AUTO_IMPLICIT_OBJECTIVE;
  if (setting === 'rating' && feedback === 'implicit') {
    throw new ConfigError('RANKER_OBJECTIVE=rating needs explicit ratings, but this dataset is implicit; use auto, interaction or lambdarank');
  }
  return setting;
}

/** True when the objective trains on retrieval candidates (interaction labels) rather than on rated interactions. */
export function usesCandidates(objective: RankerObjective): boolean {
  return objective !== 'rating';
}
