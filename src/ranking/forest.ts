import type { GbdtModel } from './model.js';
import { applyOutputLink, baseMargin, outputLinkOf, type OutputLink } from './objective.js';

/**
 * All trees of a model flattened into one set of typed arrays for prediction. Node `k` of tree `t`
 * is at `treeRoots[t] + k`; child links are global indices; a leaf has `left === -1` and its value
 * in `threshold`.
 */
export interface Forest {
  readonly numFeature: number;
  readonly treeRoots: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly defaultLeft: Uint8Array;
  /** Per node: -1 for a numeric split, else the offset of its category bitset in `categoryBits`. */
  readonly categoryOffset: Int32Array;
  /** Per node: number of categories its bitset covers (0 for numeric splits). */
  readonly categoryCount: Int32Array;
  readonly categoryBits: Uint32Array;
  /**
   * The same nodes packed four 32-bit slots per node for a cache-friendly numeric walk: left,
   * right, feature (bitwise-inverted when missing values go left), and the threshold or leaf value
   * as float32 in `packedValues` (a Float32Array view of the same buffer).
   */
  readonly packedNodes: Int32Array;
  readonly packedValues: Float32Array;
  /** True when some node has a categorical split (prediction then takes the general walk). */
  readonly hasCategorical: boolean;
  /** Per-tree weights of a dart model, or null when every weight is 1. */
  readonly treeWeights: Float32Array | null;
  /** base_score converted to margin space (float32). */
  readonly baseMargin: number;
  readonly link: OutputLink;
}

/** Flattens a model's trees for prediction. */
export function compileForest(model: GbdtModel): Forest {
  const total = model.trees.reduce((sum, tree) => sum + tree.leftChildren.length, 0);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const feature = new Int32Array(total);
  const threshold = new Float32Array(total);
  const defaultLeft = new Uint8Array(total);
  const categoryOffset = new Int32Array(total).fill(-1);
  const categoryCount = new Int32Array(total);
  const treeRoots = new Int32Array(model.trees.length);
  const bitsets: Uint32Array[] = [];
  let bitsLength = 0;

  let base = 0;
  model.trees.forEach((tree, t) => {
    treeRoots[t] = base;
    const n = tree.leftChildren.length;
    for (let k = 0; k < n; k++) {
      const isLeaf = tree.leftChildren[k] === -1;
      left[base + k] = isLeaf ? -1 : base + tree.leftChildren[k];
      right[base + k] = isLeaf ? -1 : base + tree.rightChildren[k];
      feature[base + k] = tree.splitIndices[k];
      threshold[base + k] = tree.splitConditions[k];
      defaultLeft[base + k] = tree.defaultLeft[k];
    }
    for (let c = 0; c < tree.categoriesNodes.length; c++) {
      const node = tree.categoriesNodes[c];
      const values = tree.categories.subarray(tree.categoriesSegments[c], tree.categoriesSegments[c] + tree.categoriesSizes[c]);
      const count = values.length === 0 ? 0 : Math.max(...values) + 1;
      const bits = new Uint32Array(Math.max(1, Math.ceil(count / 32)));
      for (const value of values) bits[value >>> 5] |= 1 << (value & 31);
      categoryOffset[base + node] = bitsLength;
      categoryCount[base + node] = count;
      bitsets.push(bits);
      bitsLength += bits.length;
    }
    base += n;
  });

  const categoryBits = new Uint32Array(bitsLength);
  let at = 0;
  for (const bits of bitsets) {
    categoryBits.set(bits, at);
    at += bits.length;
  }
  const weighted = model.treeWeights.some((w) => w !== 1);
  const packedNodes = new Int32Array(4 * total);
  const packedValues = new Float32Array(packedNodes.buffer);
  for (let k = 0; k < total; k++) {
    packedNodes[4 * k] = left[k];
    packedNodes[4 * k + 1] = right[k];
    packedNodes[4 * k + 2] = defaultLeft[k] === 1 ? ~feature[k] : feature[k];
    packedValues[4 * k + 3] = threshold[k];
  }
  return {
    packedNodes,
    packedValues,
    hasCategorical: bitsets.length > 0,
    numFeature: model.numFeature,
    treeRoots,
    left,
    right,
    feature,
    threshold,
    defaultLeft,
    categoryOffset,
    categoryCount,
    categoryBits,
    treeWeights: weighted ? Float32Array.from(model.treeWeights) : null,
    baseMargin: baseMargin(model.objective, model.baseScore),
    link: outputLinkOf(model.objective),
  };
}

/** Returns the leaf a row reaches in the tree rooted at global node `root`. */
function findLeaf(forest: Forest, root: number, matrix: Float32Array, rowStart: number): number {
  const { left, right, feature, threshold, defaultLeft, categoryOffset } = forest;
  let node = root;
  while (left[node] !== -1) {
    const value = matrix[rowStart + feature[node]];
    if (value !== value) {
      node = defaultLeft[node] === 1 ? left[node] : right[node];
    } else if (categoryOffset[node] < 0) {
      node = value < threshold[node] ? left[node] : right[node];
    } else {
      node = inCategorySet(forest, node, value) ? right[node] : left[node];
    }
  }
  return node;
}

/**
 * XGBoost's categorical decision: a category in the node's set goes right; any other category,
 * and an invalid one (negative or beyond the set), goes left.
 */
function inCategorySet(forest: Forest, node: number, value: number): boolean {
  if (value < 0) return false;
  const category = Math.trunc(value);
  if (category >= forest.categoryCount[node]) return false;
  return (forest.categoryBits[forest.categoryOffset[node] + (category >>> 5)] & (1 << (category & 31))) !== 0;
}

/**
 * Sums the trees for `rows` rows of a row-major float32 matrix (shape [rows, numFeature], NaN =
 * missing) into `out`, as XGBoost does: start from base_score in margin space, round the sum to
 * float32 after each tree. `treeCount` limits prediction to the first trees (all by default).
 */
export function predictMargins(forest: Forest, matrix: Float32Array, rows: number, out: Float32Array, treeCount = forest.treeRoots.length): void {
  if (!forest.hasCategorical && forest.treeWeights === null) {
    predictNumericMargins(forest, matrix, rows, out, Math.min(treeCount, forest.treeRoots.length));
    return;
  }
  const width = forest.numFeature;
  const { treeRoots, threshold, treeWeights } = forest;
  const trees = Math.min(treeCount, treeRoots.length);
  for (let r = 0; r < rows; r++) {
    const rowStart = r * width;
    let sum = forest.baseMargin;
    for (let t = 0; t < trees; t++) {
      const leafValue = threshold[findLeaf(forest, treeRoots[t], matrix, rowStart)];
      sum = Math.fround(sum + (treeWeights === null ? leafValue : Math.fround(leafValue * treeWeights[t])));
    }
    out[r] = sum;
  }
}

/**
 * The common case (numeric splits, equal tree weights) with trees in the outer loop, so each
 * tree's nodes stay in cache across the batch. Each row still adds its trees in order, so the
 * float32 sums equal the row-by-row walk.
 */
function predictNumericMargins(forest: Forest, matrix: Float32Array, rows: number, out: Float32Array, trees: number): void {
  const width = forest.numFeature;
  const nodes = forest.packedNodes;
  const values = forest.packedValues;
  out.fill(forest.baseMargin, 0, rows);
  for (let t = 0; t < trees; t++) {
    const root = forest.treeRoots[t];
    for (let r = 0; r < rows; r++) {
      const rowStart = r * width;
      let node = root;
      for (;;) {
        const slot = node << 2;
        const left = nodes[slot];
        if (left < 0) break;
        const code = nodes[slot + 2];
        const value = matrix[rowStart + (code < 0 ? ~code : code)];
        if (value !== value) node = code < 0 ? left : nodes[slot + 1];
        else node = value < values[slot + 3] ? left : nodes[slot + 1];
      }
      out[r] = Math.fround(out[r] + values[(node << 2) + 3]);
    }
  }
}

/** Predicts in the objective's output space (probability for binary:logistic). */
export function predictForest(forest: Forest, matrix: Float32Array, rows: number, out: Float32Array, treeCount?: number): void {
  checkShape(forest, matrix, rows, out);
  predictMargins(forest, matrix, rows, out, treeCount);
  applyOutputLink(forest.link, out, rows);
}

export function checkShape(forest: Forest, matrix: Float32Array, rows: number, out: Float32Array): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (matrix.length < rows * forest.numFeature) {
    throw new RangeError(`matrix has ${matrix.length} values, expected at least rows × features = ${rows} × ${forest.numFeature}`);
  }
  if (out.length < rows) throw new RangeError(`output has length ${out.length}, expected at least ${rows}`);
}
