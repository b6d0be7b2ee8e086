import type { GbdtModel, TreeArrays } from './model.js';

/** XGBoost's invalid node id, the parent of a root. */
const NO_PARENT = 2147483647;

/**
 * Builds a tree that adds `values[v - 1]` to the margin of a row whose feature `feature` equals the
 * integer v, for v = 1 … values.length: a balanced binary search over the integers, splitting at
 * half-integers (go left when value < v + 0.5). Values below 1 reach the first leaf, values above
 * values.length and missing values the last one.
 */
export function integerCurveTree(feature: number, values: readonly number[]): TreeArrays {
  if (values.length === 0) throw new RangeError('an integer curve tree needs at least one value');
  const left: number[] = [];
  const right: number[] = [];
  const parents: number[] = [];
  const split: number[] = [];
  const conditions: number[] = [];
  const defaultLeft: number[] = [];

  // Nodes are numbered breadth first, as XGBoost numbers them.
  const queue: { low: number; high: number; parent: number }[] = [{ low: 1, high: values.length, parent: NO_PARENT }];
  for (let id = 0; id < queue.length; id++) {
    const { low, high, parent } = queue[id];
    parents.push(parent);
    if (low === high) {
      left.push(-1);
      right.push(-1);
      split.push(0);
      conditions.push(values[low - 1]);
      defaultLeft.push(0);
      continue;
    }
    const middle = Math.floor((low + high) / 2);
    left.push(queue.length);
    queue.push({ low, high: middle, parent: id });
    right.push(queue.length);
    queue.push({ low: middle + 1, high, parent: id });
    split.push(feature);
    conditions.push(middle + 0.5);
    defaultLeft.push(0);
  }

  const nodes = queue.length;
  return {
    leftChildren: Int32Array.from(left),
    rightChildren: Int32Array.from(right),
    parents: Int32Array.from(parents),
    splitIndices: Int32Array.from(split),
    splitConditions: Float32Array.from(conditions),
    defaultLeft: Uint8Array.from(defaultLeft),
    splitType: new Uint8Array(nodes),
    baseWeights: Float32Array.from(conditions.map((value, id) => (left[id] === -1 ? value : 0))),
    lossChanges: new Float32Array(nodes),
    sumHessian: new Float32Array(nodes),
    categories: new Int32Array(0),
    categoriesNodes: new Int32Array(0),
    categoriesSegments: new Int32Array(0),
    categoriesSizes: new Int32Array(0),
  };
}

/** Copy of a gbtree model with one more tree at the end. Its best_iteration and best_ntree_limit, when present, move to the new last tree. */
export function appendTree(model: GbdtModel, tree: TreeArrays): GbdtModel {
  const trees = [...model.trees, tree];
  const attributes = { ...model.attributes };
  if (attributes.best_iteration !== undefined) {
    attributes.best_iteration = String(trees.length - 1);
    attributes.best_ntree_limit = String(trees.length);
  }
  return { ...model, trees, treeWeights: new Float32Array(trees.length).fill(1), attributes };
}
