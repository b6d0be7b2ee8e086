import { ModelError } from '../errors.js';
import type { GbdtModel, TreeArrays } from './model.js';

/**
 * Merges k gbtree models of the same objective, features and base_score into one model whose
 * margin is the mean of their margins: the trees of every model, in order, with each leaf value
 * divided by k. The result is a plain XGBoost JSON model, so any XGBoost loader and our serving
 * read it unchanged. Leaf values are rounded to float32 after the division, so a prediction can
 * differ from the float64 mean of the k predictions by float32 rounding (about 1e-7 relative).
 * Throws when the models do not share the objective, feature names, number of features and
 * base_score (the base margin cannot then be folded in), or when one is a dart model.
 */
export function averageModels(models: readonly GbdtModel[]): GbdtModel {
  const first = models[0];
  if (first === undefined) throw new ModelError('REC_ERR_MODEL_INVALID', 'cannot average an empty list of models: pass at least one model');
  if (models.length === 1) return first;
  for (const [index, model] of models.entries()) {
    if (model.booster !== 'gbtree') throw new ModelError('REC_ERR_MODEL_INVALID', `cannot average model ${index}: booster ${model.booster} is not gbtree`);
    const mismatch =
      model.objective !== first.objective ? 'objective' :
      model.numFeature !== first.numFeature ? 'num_feature' :
      model.featureNames.join('\u0000') !== first.featureNames.join('\u0000') ? 'feature_names' :
      Math.fround(model.baseScore) !== Math.fround(first.baseScore) ? 'base_score' :
      null;
    if (mismatch !== null) throw new ModelError('REC_ERR_MODEL_INVALID', `cannot average model ${index} with model 0: their ${mismatch} differ; train every model on the same rows and parameters`);
  }

  const scale = 1 / models.length;
  const trees = models.flatMap((model) => model.trees.map((tree) => scaleLeaves(tree, scale)));
  // Every tree of the merged model is part of the kept ensemble. The best_score of one model does not describe the average, so it is dropped.
  const attributes: Record<string, string> = trees.length === 0 ? {} : { best_iteration: String(trees.length - 1), best_ntree_limit: String(trees.length) };
  return { ...first, trees, treeWeights: new Float32Array(trees.length).fill(1), attributes };
}

/** Copy of a tree with every leaf value (split_conditions of a leaf) multiplied by `scale`, rounded to float32. */
function scaleLeaves(tree: TreeArrays, scale: number): TreeArrays {
  const splitConditions = Float32Array.from(tree.splitConditions);
  for (let node = 0; node < splitConditions.length; node++) {
    if (tree.leftChildren[node] === -1) splitConditions[node] = splitConditions[node] * scale;
  }
  return { ...tree, splitConditions };
}
