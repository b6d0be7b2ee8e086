import { TwostageError } from '../../errors.js';
import type { EvaluationModel } from '../model-types.js';
import { alsModel, bprModel, cooccurrenceModel } from './implicit.js';
import { popularityModel } from './popularity.js';
import { svdDotModel, svdModel } from './svd.js';

/**
 * Models evaluated when the caller names none, in table order. SVD is left out for implicit
 * feedback, which has no ratings to fit.
 */
export function defaultEvaluationModels(feedback: 'explicit' | 'implicit' = 'explicit'): EvaluationModel[] {
  const models = [popularityModel, svdModel, alsModel, bprModel, cooccurrenceModel];
  return feedback === 'explicit' ? models : models.filter((model) => model !== svdModel);
}

/** Lists every model the evaluation can train. */
export function availableEvaluationModels(): EvaluationModel[] {
  return [...defaultEvaluationModels('explicit'), svdDotModel];
}

/**
 * Returns the named models in the given order, from the built-in ones and `extra`; an unknown
 * name throws and lists the known ones.
 */
export function selectEvaluationModels(names: readonly string[], extra: readonly EvaluationModel[] = []): EvaluationModel[] {
  const available = [...availableEvaluationModels(), ...extra];
  return names.map((name) => {
    const found = available.find((model) => model.name === name);
    if (found === undefined) {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `unknown model "${name}": expected one of ${available.map((m) => m.name).join(', ')}`);
    }
    return found;
  });
}
