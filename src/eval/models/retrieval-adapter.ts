import type { RetrievalModel } from '../../retrieval/types.js';
import type { FittedModel, LossPoint } from '../model-types.js';
import type { Interactions } from '../../data/types.js';

/**
 * Wraps a trained RetrievalModel as a FittedModel in the index space of `train`. The model may
 * index users and items differently; ids are matched once, and catalog items the model
 * does not know score NaN (never recommended).
 */
export function fittedFromRetrievalModel(
  model: RetrievalModel,
  train: Interactions,
  extras: { trainingLoss?: { name: string; points: readonly LossPoint[] }; details?: Record<string, unknown> } = {},
): FittedModel {
  const userMap = Int32Array.from(train.userIds, (id) => model.userIndex(id));
  const itemMap = Int32Array.from(train.itemIds, (id) => model.itemIndex(id));
  const identity = isIdentity(itemMap, model.itemIds.length);
  const buffer = identity ? null : new Float32Array(model.itemIds.length);

  const gather = (write: (target: Float32Array) => void, out: Float32Array) => {
    if (buffer === null) {
      write(out);
      return;
    }
    write(buffer);
    for (let i = 0; i < itemMap.length; i++) out[i] = itemMap[i] < 0 ? Number.NaN : buffer[itemMap[i]];
  };

  return {
    scoreUser(user, out) {
      const modelUser = userMap[user];
      if (modelUser < 0) gather((target) => model.scoreUnknownUser(target), out);
      else gather((target) => model.scoreUser(modelUser, target), out);
    },
    scoreUnknownUser(out) {
      gather((target) => model.scoreUnknownUser(target), out);
    },
    trainingLoss: extras.trainingLoss,
    details: extras.details,
  };
}

function isIdentity(itemMap: Int32Array, modelItems: number): boolean {
  if (itemMap.length !== modelItems) return false;
  for (let i = 0; i < itemMap.length; i++) if (itemMap[i] !== i) return false;
  return true;
}
