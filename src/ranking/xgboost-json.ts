import { readFile } from 'node:fs/promises';
import { ModelError } from '../errors.js';
import { JsonFields } from './json-fields.js';
import type { FeatureType, GbdtModel, TreeArrays } from './model.js';
import { outputLinkOf } from './objective.js';

const FEATURE_TYPES: readonly string[] = ['float', 'int', 'i', 'q', 'c'];

/** XGBoost's invalid node id, written as the root's parent. */
export const ROOT_PARENT = 2147483647;

/**
 * Parses an XGBoost JSON model (`Booster.save_model("m.json")`) written by XGBoost 1.x to 3.x.
 * It accepts base_score as "0.500000", "5E-1" or "[5E-1]", and default_left as booleans or 0/1.
 * The iteration_indptr, split_type, categorical arrays, feature_names and feature_types fields
 * are optional, and the booster may be gbtree or dart. Anything else that is missing or malformed
 * raises REC_ERR_MODEL_INVALID naming the file and the JSON path.
 *
 * @param source file name (or other label) used in error messages
 */
export function parseXgboostJson(text: string, source: string): GbdtModel {
  const fields = new JsonFields(source);
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) {
    fields.fail('document', 'is not JSON text: save the model with a ".json" file name (UBJSON and the binary format are not supported)');
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    fields.fail('document', `is not valid JSON (${(error as Error).message})`);
  }
  return readDocument(fields, fields.object(document, 'document'));
}

/** Reads and parses an XGBoost JSON model file; see parseXgboostJson. */
export async function loadXgboostModel(file: string): Promise<GbdtModel> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `model file not found: ${file}`);
    throw new ModelError('REC_ERR_MODEL_INVALID', `failed to read model file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseXgboostJson(text, file);
}

function readDocument(f: JsonFields, root: Record<string, unknown>): GbdtModel {
  const version = readVersion(f, f.field(root, 'version', 'document'));
  const learner = f.object(f.field(root, 'learner', 'document'), 'learner');
  const params = f.object(f.field(learner, 'learner_model_param', 'learner'), 'learner.learner_model_param');

  const numFeature = f.integer(f.field(params, 'num_feature', 'learner.learner_model_param'), 'learner.learner_model_param.num_feature');
  if (numFeature < 0) f.fail('learner.learner_model_param.num_feature', `must be ≥ 0, got ${numFeature}`);
  checkSingleOutput(f, params);
  const baseScore = parseBaseScore(f, f.field(params, 'base_score', 'learner.learner_model_param'), 'learner.learner_model_param.base_score');

  const objectiveConfig = f.object(f.field(learner, 'objective', 'learner'), 'learner.objective');
  const objective = f.string(f.field(objectiveConfig, 'name', 'learner.objective'), 'learner.objective.name');
  outputLinkOf(objective);

  const featureNames = readStringList(f, learner, 'feature_names', numFeature);
  const featureTypes = readStringList(f, learner, 'feature_types', numFeature) as FeatureType[];
  featureTypes.forEach((type, i) => {
    if (!FEATURE_TYPES.includes(type)) f.fail(`learner.feature_types[${i}]`, `must be one of ${FEATURE_TYPES.join(', ')}, got "${type}"`);
  });
  const attributes = readAttributes(f, learner);

  const booster = f.object(f.field(learner, 'gradient_booster', 'learner'), 'learner.gradient_booster');
  const boosterName = f.string(f.field(booster, 'name', 'learner.gradient_booster'), 'learner.gradient_booster.name');
  let treesModel: Record<string, unknown>;
  let treeWeights: Float32Array | undefined;
  let modelPath: string;
  if (boosterName === 'gbtree') {
    modelPath = 'learner.gradient_booster.model';
    treesModel = f.object(f.field(booster, 'model', 'learner.gradient_booster'), modelPath);
  } else if (boosterName === 'dart') {
    const inner = f.object(f.field(booster, 'gbtree', 'learner.gradient_booster'), 'learner.gradient_booster.gbtree');
    modelPath = 'learner.gradient_booster.gbtree.model';
    treesModel = f.object(f.field(inner, 'model', 'learner.gradient_booster.gbtree'), modelPath);
  } else {
    f.fail('learner.gradient_booster.name', `must be "gbtree" or "dart", got "${boosterName}" (gblinear models are not supported)`);
  }

  const trees = readTrees(f, treesModel, modelPath, numFeature);
  if (boosterName === 'dart') {
    treeWeights = f.float32Array(f.field(booster, 'weight_drop', 'learner.gradient_booster'), 'learner.gradient_booster.weight_drop', trees.length);
  }
  return {
    featureNames,
    featureTypes,
    numFeature,
    objective,
    objectiveConfig,
    baseScore,
    booster: boosterName as 'gbtree' | 'dart',
    trees,
    treeWeights: treeWeights ?? new Float32Array(trees.length).fill(1),
    attributes,
    version,
  };
}

function readVersion(f: JsonFields, value: unknown): [number, number, number] {
  const items = f.array(value, 'version', 3);
  return [f.integer(items[0], 'version[0]'), f.integer(items[1], 'version[1]'), f.integer(items[2], 'version[2]')];
}

function checkSingleOutput(f: JsonFields, params: Record<string, unknown>): void {
  if ('num_class' in params) {
    const numClass = f.integer(params.num_class, 'learner.learner_model_param.num_class');
    if (numClass > 1) f.fail('learner.learner_model_param.num_class', `is ${numClass}: multi-class models are not supported, only single-output ones`);
  }
  if ('num_target' in params) {
    const numTarget = f.integer(params.num_target, 'learner.learner_model_param.num_target');
    if (numTarget !== 1) f.fail('learner.learner_model_param.num_target', `is ${numTarget}: only single-target models are supported`);
  }
}

/**
 * Parses base_score as XGBoost writes it: "0.500000" (1.x before 1.6), "5E-1" (1.6+), "[5E-1]"
 * (2.1+, a vector with one value per target) or a plain JSON number.
 */
export function parseBaseScore(f: JsonFields, value: unknown, path: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) f.fail(path, `must be a finite number, got ${value}`);
    return Math.fround(value);
  }
  const text = f.string(value, path).trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1).trim() : text;
  if (inner.includes(',')) f.fail(path, `has several values ("${text}"): only single-target models are supported`);
  const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(inner) ? Number(inner) : Number.NaN;
  if (!Number.isFinite(numeric)) f.fail(path, `must be a number such as "5E-1", "0.5" or "[5E-1]", got "${text}"`);
  return Math.fround(numeric);
}

function readStringList(f: JsonFields, learner: Record<string, unknown>, key: string, numFeature: number): string[] {
  if (!(key in learner)) return [];
  const items = f.array(learner[key], `learner.${key}`);
  if (items.length === 0) return [];
  if (items.length !== numFeature) f.fail(`learner.${key}`, `must have num_feature = ${numFeature} elements, got ${items.length}`);
  return items.map((item, i) => f.string(item, `learner.${key}[${i}]`));
}

function readAttributes(f: JsonFields, learner: Record<string, unknown>): Record<string, string> {
  if (!('attributes' in learner)) return {};
  const raw = f.object(learner.attributes, 'learner.attributes');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = f.string(value, `learner.attributes.${key}`);
  return out;
}

function readTrees(f: JsonFields, model: Record<string, unknown>, path: string, numFeature: number): TreeArrays[] {
  const param = f.object(f.field(model, 'gbtree_model_param', path), `${path}.gbtree_model_param`);
  const numTrees = f.integer(f.field(param, 'num_trees', `${path}.gbtree_model_param`), `${path}.gbtree_model_param.num_trees`);
  const rawTrees = f.array(f.field(model, 'trees', path), `${path}.trees`, numTrees);
  const treeInfo = f.int32Array(f.field(model, 'tree_info', path), `${path}.tree_info`, numTrees);
  treeInfo.forEach((group, i) => {
    if (group !== 0) f.fail(`${path}.tree_info[${i}]`, `is ${group}: only single-output models (every tree in group 0) are supported`);
  });
  if ('iteration_indptr' in model) {
    const indptr = f.array(model.iteration_indptr, `${path}.iteration_indptr`);
    let previous = -1;
    indptr.forEach((item, i) => {
      const value = f.integer(item, `${path}.iteration_indptr[${i}]`);
      if (value < previous || (i === 0 && value !== 0)) f.fail(`${path}.iteration_indptr`, 'must start at 0 and never decrease');
      previous = value;
    });
    if (indptr.length > 0 && previous !== numTrees) f.fail(`${path}.iteration_indptr`, `must end at num_trees = ${numTrees}, got ${previous}`);
  }
  return rawTrees.map((raw, i) => readTree(f, f.object(raw, `${path}.trees[${i}]`), `${path}.trees[${i}]`, numFeature));
}

function readTree(f: JsonFields, tree: Record<string, unknown>, path: string, numFeature: number): TreeArrays {
  const treeParam = f.object(f.field(tree, 'tree_param', path), `${path}.tree_param`);
  const n = f.integer(f.field(treeParam, 'num_nodes', `${path}.tree_param`), `${path}.tree_param.num_nodes`);
  if (n < 1) f.fail(`${path}.tree_param.num_nodes`, `must be ≥ 1, got ${n}`);
  const ints = (key: string): Int32Array => f.int32Array(f.field(tree, key, path), `${path}.${key}`, n);
  const floats = (key: string): Float32Array => f.float32Array(f.field(tree, key, path), `${path}.${key}`, n);

  const arrays: TreeArrays = {
    leftChildren: ints('left_children'),
    rightChildren: ints('right_children'),
    parents: ints('parents'),
    splitIndices: ints('split_indices'),
    splitConditions: floats('split_conditions'),
    defaultLeft: f.flagArray(f.field(tree, 'default_left', path), `${path}.default_left`, n),
    splitType: 'split_type' in tree ? f.flagArray(tree.split_type, `${path}.split_type`, n) : new Uint8Array(n),
    baseWeights: floats('base_weights'),
    lossChanges: floats('loss_changes'),
    sumHessian: floats('sum_hessian'),
    ...readCategories(f, tree, path),
  };
  checkTreeShape(f, arrays, path, numFeature);
  return arrays;
}

function readCategories(f: JsonFields, tree: Record<string, unknown>, path: string) {
  const list = (key: string): Int32Array => {
    if (!(key in tree)) return new Int32Array(0);
    const length = f.array(tree[key], `${path}.${key}`).length;
    return f.int32Array(tree[key], `${path}.${key}`, length);
  };
  const categoriesNodes = list('categories_nodes');
  const categoriesSegments = list('categories_segments');
  const categoriesSizes = list('categories_sizes');
  const categories = list('categories');
  if (categoriesSegments.length !== categoriesNodes.length || categoriesSizes.length !== categoriesNodes.length) {
    f.fail(`${path}.categories_segments`, 'categories_nodes, categories_segments and categories_sizes must have the same length');
  }
  for (let k = 0; k < categoriesNodes.length; k++) {
    if (categoriesSegments[k] < 0 || categoriesSizes[k] < 0 || categoriesSegments[k] + categoriesSizes[k] > categories.length) {
      f.fail(`${path}.categories_segments[${k}]`, `points outside categories (length ${categories.length})`);
    }
  }
  return { categories, categoriesNodes, categoriesSegments, categoriesSizes };
}

/** Checks child links, feature indices and that every node is reached at most once from the root. */
function checkTreeShape(f: JsonFields, t: TreeArrays, path: string, numFeature: number): void {
  const n = t.leftChildren.length;
  const visited = new Uint8Array(n);
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (visited[node]) f.fail(`${path}.left_children`, `reaches node ${node} twice: the tree has a cycle or shared node`);
    visited[node] = 1;
    const left = t.leftChildren[node];
    const right = t.rightChildren[node];
    if (left === -1 && right === -1) continue;
    for (const [key, child] of [['left_children', left], ['right_children', right]] as const) {
      if (child <= 0 || child >= n) f.fail(`${path}.${key}[${node}]`, `must be a node id in 1..${n - 1} or -1 for a leaf, got ${child}`);
      stack.push(child);
    }
    const feature = t.splitIndices[node];
    if (feature < 0 || feature >= numFeature) {
      f.fail(`${path}.split_indices[${node}]`, `must be a feature index below num_feature = ${numFeature}, got ${feature}`);
    }
    if (t.splitType[node] === 1 && !t.categoriesNodes.includes(node)) {
      f.fail(`${path}.split_type[${node}]`, 'marks a categorical split but categories_nodes does not list the node');
    }
  }
}
