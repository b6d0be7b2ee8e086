import type { HistoryScoring } from '../merge-retriever.js';
import { FactorRetrievalModel } from './factor-model.js';
import { foldInUser } from './fold-in.js';
import { ItemItemRetrievalModel } from './item-item-model.js';
import type { RetrievalModel } from '../types.js';

/**
 * Request-time scoring of a user the model was not trained on, from the user's history: ALS
 * solves the user's factors against the fixed item factors (foldInUser) and scores by dot
 * product; co-occurrence sums the neighbour lists of the history items. Other models (BPR,
 * popularity, SVD) have none, so the merge gives them the unknown-user order.
 */
export function historyScoringFor(model: RetrievalModel): HistoryScoring | undefined {
  if (model instanceof FactorRetrievalModel && model.kind === 'als') {
    return {
      scoreHistory(itemIndices, values, out) {
        model.scoreFactors(foldInUser(model, itemIndices, values), out);
        return true;
      },
    };
  }
  if (model instanceof ItemItemRetrievalModel) {
    return {
      scoreHistory(itemIndices, values, out) {
        model.scoreHistory(itemIndices, values, out);
        return true;
      },
    };
  }
  return undefined;
}
