import type { GbdtModel } from './model.js';
import { flagConstantColumns, WasmForest } from './forest-wasm.js';
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
  /** The numeric trees padded to complete binary trees, or null when some tree is categorical or deeper than MAX_COMPLETE_DEPTH. */
  readonly complete: CompleteForest | null;
  /** `complete` in WebAssembly, or null without a complete forest or where WebAssembly cannot run. */
  readonly wasm: WasmForest | null;
  /** Per-tree weights of a dart model, or null when every weight is 1. */
  readonly treeWeights: Float32Array | null;
  /** base_score converted to margin space (float32). */
  readonly baseMargin: number;
  readonly link: OutputLink;
}

/**
 * Deepest tree that is padded to a complete tree for prediction. A tree of depth d takes
 * 12 × 2^d bytes in that layout (3 KB at depth 8); a forest with a deeper tree takes the node-by-node walk.
 */
const MAX_COMPLETE_DEPTH = 8;

/**
 * Numeric trees, each padded to a complete binary tree of its own depth, so a walk through tree t
 * is exactly `depths[t]` steps with no leaf test. Internal node i of tree t (heap order: children
 * 2i + 1 and 2i + 2) is at slot `splitStarts[t] + i` of `splits`, two 32-bit values per slot: the
 * feature index (bitwise-inverted when missing values go left) and the float32 threshold (read
 * through `thresholds`, a Float32Array view of the same buffer). Leaf j (0 ≤ j < 2^depth) of tree
 * t is `leaves[leafStarts[t] + j]`. An original leaf above the last level has its value copied to
 * every leaf below its position, so the padding splits under it can go either way.
 */
export interface CompleteForest {
  readonly depths: Uint8Array;
  readonly splitStarts: Int32Array;
  readonly leafStarts: Int32Array;
  readonly splits: Int32Array;
  readonly thresholds: Float32Array;
  readonly leaves: Float32Array;
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
  const hasCategorical = bitsets.length > 0;
  const complete = hasCategorical || weighted ? null : compileComplete(model);
  return {
    packedNodes,
    packedValues,
    hasCategorical,
    complete,
    wasm: complete === null ? null : WasmForest.create(complete, model.numFeature),
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

/** Pads every tree of a numeric model to a complete tree of its depth; null when some tree is deeper than MAX_COMPLETE_DEPTH. */
function compileComplete(model: GbdtModel): CompleteForest | null {
  const trees = model.trees.length;
  const depths = new Uint8Array(trees);
  const splitStarts = new Int32Array(trees);
  const leafStarts = new Int32Array(trees);
  let splitCount = 0;
  let leafCount = 0;
  for (let t = 0; t < trees; t++) {
    const depth = treeDepth(model.trees[t].leftChildren, model.trees[t].rightChildren);
    if (depth > MAX_COMPLETE_DEPTH) return null;
    depths[t] = depth;
    splitStarts[t] = splitCount;
    leafStarts[t] = leafCount;
    splitCount += (1 << depth) - 1;
    leafCount += 1 << depth;
  }
  const splits = new Int32Array(2 * splitCount);
  const thresholds = new Float32Array(splits.buffer);
  const leaves = new Float32Array(leafCount);

  model.trees.forEach((tree, t) => {
    const depth = depths[t];
    const internalCount = (1 << depth) - 1;
    // Depth-first over (original node, heap position, level); padding splits stay feature 0, threshold 0.
    const stack: number[] = [0, 0, 0];
    while (stack.length > 0) {
      const level = stack.pop() as number;
      const heap = stack.pop() as number;
      const node = stack.pop() as number;
      if (tree.leftChildren[node] === -1) {
        const span = 1 << (depth - level);
        const first = leafStarts[t] + ((heap + 1) << (depth - level)) - 1 - internalCount;
        leaves.fill(tree.splitConditions[node], first, first + span);
        continue;
      }
      const slot = 2 * (splitStarts[t] + heap);
      splits[slot] = tree.defaultLeft[node] === 1 ? ~tree.splitIndices[node] : tree.splitIndices[node];
      thresholds[slot + 1] = tree.splitConditions[node];
      stack.push(tree.leftChildren[node], 2 * heap + 1, level + 1, tree.rightChildren[node], 2 * heap + 2, level + 1);
    }
  });
  return { depths, splitStarts, leafStarts, splits, thresholds, leaves };
}

/** Depth of a tree (0 for a single leaf) from its child links. */
function treeDepth(leftChildren: Int32Array, rightChildren: Int32Array): number {
  let depth = 0;
  const stack: number[] = [0, 0];
  while (stack.length > 0) {
    const level = stack.pop() as number;
    const node = stack.pop() as number;
    if (leftChildren[node] === -1) {
      depth = Math.max(depth, level);
    } else {
      stack.push(leftChildren[node], level + 1, rightChildren[node], level + 1);
    }
  }
  return depth;
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
  if (forest.wasm !== null) {
    out.fill(forest.baseMargin, 0, rows);
    forest.wasm.addTrees(matrix, rows, out, Math.min(treeCount, forest.treeRoots.length));
    return;
  }
  if (forest.complete !== null) {
    predictCompleteMargins(forest.complete, forest.numFeature, forest.baseMargin, matrix, rows, out, Math.min(treeCount, forest.treeRoots.length));
    return;
  }
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

/**
 * Walks complete trees: trees in the outer loop, four rows at a time so four independent walks
 * overlap in the CPU, because one walk is a chain of dependent loads. A step goes left when
 * value < threshold (float32 values compared exactly, as XGBoost does), right when value ≥
 * threshold, and in the default direction when the value is NaN. Each row adds its trees in order
 * with a float32 rounding after each, so the sums equal the node-by-node walk bit for bit.
 */
export function predictCompleteMargins(complete: CompleteForest, width: number, base: number, matrix: Float32Array, rows: number, out: Float32Array, trees: number): void {
  const { depths, splitStarts, leafStarts, splits, thresholds, leaves } = complete;
  const constant = new Uint8Array(width);
  flagConstantColumns(matrix, rows, width, constant);
  out.fill(base, 0, rows);
  for (let t = 0; t < trees; t++) {
    const depth = depths[t];
    const root = splitStarts[t];
    // A walk ends at heap index 2^depth − 1 + j for leaf j.
    const leafBase = leafStarts[t] - ((1 << depth) - 1);

    // Splits on a column with one value in every row (the user's features, when the rows are one
    // user's candidates) send every row the same way, so they are taken once for the batch.
    let start = 0;
    let startLevel = 0;
    while (startLevel < depth) {
      const slot = (root + start) << 1;
      const code = splits[slot];
      const column = code < 0 ? ~code : code;
      if (constant[column] === 0) break;
      const threshold = thresholds[slot + 1];
      const value = matrix[column];
      start = 2 * start + childStep(value, threshold, code);
      startLevel++;
    }

    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const row0 = r * width;
      const row1 = row0 + width;
      const row2 = row1 + width;
      const row3 = row2 + width;
      let i0 = start;
      let i1 = start;
      let i2 = start;
      let i3 = start;
      for (let level = startLevel; level < depth; level++) {
        let slot = (root + i0) << 1;
        let code = splits[slot];
        let threshold = thresholds[slot + 1];
        let value = matrix[row0 + (code < 0 ? ~code : code)];
        i0 = 2 * i0 + childStep(value, threshold, code);

        slot = (root + i1) << 1;
        code = splits[slot];
        threshold = thresholds[slot + 1];
        value = matrix[row1 + (code < 0 ? ~code : code)];
        i1 = 2 * i1 + childStep(value, threshold, code);

        slot = (root + i2) << 1;
        code = splits[slot];
        threshold = thresholds[slot + 1];
        value = matrix[row2 + (code < 0 ? ~code : code)];
        i2 = 2 * i2 + childStep(value, threshold, code);

        slot = (root + i3) << 1;
        code = splits[slot];
        threshold = thresholds[slot + 1];
        value = matrix[row3 + (code < 0 ? ~code : code)];
        i3 = 2 * i3 + childStep(value, threshold, code);
      }
      out[r] = Math.fround(out[r] + leaves[leafBase + i0]);
      out[r + 1] = Math.fround(out[r + 1] + leaves[leafBase + i1]);
      out[r + 2] = Math.fround(out[r + 2] + leaves[leafBase + i2]);
      out[r + 3] = Math.fround(out[r + 3] + leaves[leafBase + i3]);
    }
    for (; r < rows; r++) {
      const rowStart = r * width;
      let i = start;
      for (let level = startLevel; level < depth; level++) {
        const slot = (root + i) << 1;
        const code = splits[slot];
        const threshold = thresholds[slot + 1];
        const value = matrix[rowStart + (code < 0 ? ~code : code)];
        i = 2 * i + childStep(value, threshold, code);
      }
      out[r] = Math.fround(out[r] + leaves[leafBase + i]);
    }
  }
}

/**
 * Returns 1 to go to the left child of a heap-ordered node and 2 to go to the right one:
 * left when value < threshold, right when value >= threshold, and for a missing value (NaN, where
 * both comparisons are false) the default direction, left when the split code is negative.
 */
function childStep(value: number, threshold: number, code: number): number {
  if (value < threshold) return 1;
  if (value >= threshold) return 2;
  return code < 0 ? 1 : 2;
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
