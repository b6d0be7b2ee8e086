import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors.js';
import type { GbdtModel, TreeArrays } from './model.js';

/**
 * Version written into models this project trains. The layout written is the one XGBoost 1.7.4
 * writes (plus `iteration_indptr` from 2.x), which XGBoost 1.7 and 2.x both load.
 */
export const TRAINED_MODEL_VERSION: [number, number, number] = [1, 7, 4];

/** A JSON token written verbatim (floats in XGBoost's "2.781E4" form). */
class RawToken {
  constructor(readonly text: string) {}
}

/**
 * Formats a float32 the way XGBoost writes floats: the shortest decimal that reads back as the
 * same float32, always with an exponent ("5E-1", "2.781E4", "0E0"), so XGBoost's JSON reader
 * types it as a number and not as an integer.
 */
export function formatFloat32(value: number): string {
  const f = Math.fround(value);
  if (!Number.isFinite(f)) throw new ModelError('REC_ERR_MODEL_INVALID', `cannot write the non-finite value ${value} into an XGBoost JSON model`);
  if (f === 0) return Object.is(f, -0) ? '-0E0' : '0E0';
  for (let digits = 1; digits <= 9; digits++) {
    const text = f.toExponential(digits - 1);
    if (Math.fround(Number(text)) === f) return text.replace('e+', 'E').replace('e', 'E');
  }
  return f.toExponential(8).replace('e+', 'E').replace('e', 'E');
}

const floats = (values: Float32Array): RawToken[] => Array.from(values, (v) => new RawToken(formatFloat32(v)));
const ints = (values: Int32Array | Uint8Array): number[] => Array.from(values);

function treeToJson(tree: TreeArrays, id: number, numFeature: number): Record<string, unknown> {
  return {
    base_weights: floats(tree.baseWeights),
    categories: ints(tree.categories),
    categories_nodes: ints(tree.categoriesNodes),
    categories_segments: ints(tree.categoriesSegments),
    categories_sizes: ints(tree.categoriesSizes),
    default_left: ints(tree.defaultLeft),
    id,
    left_children: ints(tree.leftChildren),
    loss_changes: floats(tree.lossChanges),
    parents: ints(tree.parents),
    right_children: ints(tree.rightChildren),
    split_conditions: floats(tree.splitConditions),
    split_indices: ints(tree.splitIndices),
    split_type: ints(tree.splitType),
    sum_hessian: floats(tree.sumHessian),
    tree_param: {
      num_deleted: '0',
      num_feature: String(numFeature),
      num_nodes: String(tree.leftChildren.length),
      size_leaf_vector: '0',
    },
  };
}

function treesModelToJson(model: GbdtModel): Record<string, unknown> {
  const n = model.trees.length;
  return {
    gbtree_model_param: { num_parallel_tree: '1', num_trees: String(n), size_leaf_vector: '0' },
    iteration_indptr: Array.from({ length: n + 1 }, (_, i) => i),
    tree_info: new Array(n).fill(0),
    trees: model.trees.map((tree, i) => treeToJson(tree, i, model.numFeature)),
  };
}

function boosterToJson(model: GbdtModel): Record<string, unknown> {
  if (model.booster === 'dart') {
    return { gbtree: { model: treesModelToJson(model), name: 'gbtree' }, name: 'dart', weight_drop: floats(model.treeWeights) };
  }
  return { model: treesModelToJson(model), name: 'gbtree' };
}

/** Builds the XGBoost JSON text of a model (compact, keys in XGBoost's sorted order). */
export function serializeXgboostJson(model: GbdtModel): string {
  const learner: Record<string, unknown> = { attributes: model.attributes };
  if (model.featureNames.length > 0) learner.feature_names = model.featureNames;
  if (model.featureTypes.length > 0) learner.feature_types = model.featureTypes;
  learner.gradient_booster = boosterToJson(model);
  learner.learner_model_param = {
    base_score: formatFloat32(model.baseScore),
    boost_from_average: '1',
    num_class: '0',
    num_feature: String(model.numFeature),
    num_target: '1',
  };
  learner.objective = model.objectiveConfig;
  return toJsonText({ learner, version: model.version });
}

/**
 * Writes a model as XGBoost JSON: to a temporary file beside the target, then renamed over it,
 * so a reader never sees a half-written model.
 */
export async function saveXgboostModel(file: string, model: GbdtModel): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, serializeXgboostJson(model));
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ModelError('REC_ERR_MODEL_INVALID', `failed to write model file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function toJsonText(value: unknown): string {
  if (value instanceof RawToken) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
