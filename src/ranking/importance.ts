import type { GbdtModel } from './model.js';
import { modelFeatureNames } from './predict.js';

/**
 * Importance types of XGBoost's `get_score`: weight = number of splits on the feature; gain and
 * cover = mean loss change and mean hessian sum of those splits; total_gain and total_cover = sums.
 */
export type ImportanceType = 'weight' | 'gain' | 'cover' | 'total_gain' | 'total_cover';

export const IMPORTANCE_TYPES: readonly ImportanceType[] = ['weight', 'gain', 'cover', 'total_gain', 'total_cover'];

/**
 * Computes feature importance from a model's trees, keyed by feature name. As in XGBoost, a
 * feature that no split uses is left out.
 */
export function featureImportance(model: GbdtModel, type: ImportanceType = 'weight'): Record<string, number> {
  const names = modelFeatureNames(model);
  const count = new Float64Array(model.numFeature);
  const gain = new Float64Array(model.numFeature);
  const cover = new Float64Array(model.numFeature);
  for (const tree of model.trees) {
    for (let node = 0; node < tree.leftChildren.length; node++) {
      if (tree.leftChildren[node] === -1) continue;
      const f = tree.splitIndices[node];
      count[f] += 1;
      gain[f] += tree.lossChanges[node];
      cover[f] += tree.sumHessian[node];
    }
  }
  const out: Record<string, number> = {};
  for (let f = 0; f < model.numFeature; f++) {
    if (count[f] === 0) continue;
    if (type === 'weight') out[names[f]] = count[f];
    else if (type === 'gain') out[names[f]] = gain[f] / count[f];
    else if (type === 'cover') out[names[f]] = cover[f] / count[f];
    else if (type === 'total_gain') out[names[f]] = gain[f];
    else out[names[f]] = cover[f];
  }
  return out;
}
