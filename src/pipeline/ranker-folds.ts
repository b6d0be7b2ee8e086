import { hashString } from '../data/hash.js';
import type { Interactions } from '../data/types.js';

/**
 * Inner hold-out folds for splits that are not in time: fold f labels the training interactions
 * whose seeded hash of the (user, item) pair is f modulo HOLD_OUT_FOLDS, one in five, and its
 * retriever trains on the other four. Every fold becomes ranker rows, so each training
 * interaction labels the ranker once. On ml-100k u1 the five folds gave a lower validation
 * logloss and a higher validation NDCG@10 than fold 0 alone, measured on the same validation lists.
 */
export const HOLD_OUT_FOLDS = 5;

/** Label pickers of the HOLD_OUT_FOLDS inner folds, by interaction index into `train`. */
export function holdOutFolds(train: Interactions, seed: number): ((j: number) => boolean)[] {
  const foldOf = new Uint8Array(train.user.length);
  for (let j = 0; j < train.user.length; j++) {
    foldOf[j] = hashString(`${train.userIds[train.user[j]]}\u0000${train.itemIds[train.item[j]]}`, seed) % HOLD_OUT_FOLDS;
  }
  return Array.from({ length: HOLD_OUT_FOLDS }, (_, f) => (j: number) => foldOf[j] === f);
}
