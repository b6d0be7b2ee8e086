import { ModelError } from '../errors.js';

/** Output link of an objective: the map from summed margin to output, and from base_score to margin. */
export type OutputLink = 'identity' | 'logistic' | 'exp' | 'hinge';

/**
 * Output link of every single-output objective XGBoost 1.x–3.x writes. Multi-class and survival
 * objectives produce several outputs or interval bounds per row, so they are not listed.
 */
const OBJECTIVE_LINKS: Record<string, OutputLink> = {
  'reg:squarederror': 'identity',
  'reg:linear': 'identity',
  'reg:squaredlogerror': 'identity',
  'reg:pseudohubererror': 'identity',
  'reg:absoluteerror': 'identity',
  'reg:quantileerror': 'identity',
  'reg:logistic': 'logistic',
  'binary:logistic': 'logistic',
  'binary:logitraw': 'identity',
  'binary:hinge': 'hinge',
  'count:poisson': 'exp',
  'reg:gamma': 'exp',
  'reg:tweedie': 'exp',
  'rank:pairwise': 'identity',
  'rank:ndcg': 'identity',
  'rank:map': 'identity',
};

/** Objective names this project can score, for error messages and docs. */
export const SUPPORTED_OBJECTIVES = Object.keys(OBJECTIVE_LINKS);

/** Returns the output link of an objective, or throws naming the objective and the supported ones. */
export function outputLinkOf(objective: string): OutputLink {
  const link = OBJECTIVE_LINKS[objective];
  if (link === undefined) {
    throw new ModelError(
      'REC_ERR_MODEL_INVALID',
      `unsupported objective "${objective}": expected one of ${SUPPORTED_OBJECTIVES.join(', ')}`,
    );
  }
  return link;
}

/**
 * Converts base_score (output space) to the margin the trees add to, in float32 as XGBoost does:
 * logit for the logistic objectives (binary:logitraw included), log for the exp-link ones.
 */
export function baseMargin(objective: string, baseScore: number): number {
  const logitBase = objective === 'binary:logitraw' || outputLinkOf(objective) === 'logistic';
  if (logitBase) {
    if (!(baseScore > 0 && baseScore < 1)) {
      throw new ModelError('REC_ERR_MODEL_INVALID', `invalid base_score ${baseScore} for ${objective}: expected a probability in (0, 1)`);
    }
    return Math.fround(-Math.log(Math.fround(Math.fround(1 / baseScore) - 1)));
  }
  if (outputLinkOf(objective) === 'exp') {
    if (!(baseScore > 0)) {
      throw new ModelError('REC_ERR_MODEL_INVALID', `invalid base_score ${baseScore} for ${objective}: expected a positive value`);
    }
    return Math.fround(Math.log(baseScore));
  }
  return Math.fround(baseScore);
}

/** Applies an output link in place to `count` margins. */
export function applyOutputLink(link: OutputLink, values: Float32Array, count: number): void {
  if (link === 'identity') return;
  for (let i = 0; i < count; i++) {
    const x = values[i];
    if (link === 'logistic') values[i] = 1 / (1 + Math.exp(-x));
    else if (link === 'exp') values[i] = Math.exp(x);
    else values[i] = x > 0 ? 1 : 0;
  }
}
