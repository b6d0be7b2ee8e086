import type { TreeArrays } from '../model.js';
import { ROOT_PARENT } from '../xgboost-json.js';
import type { BinnedMatrix } from './binned-matrix.js';
import { fillDefaultBins, subtractHistogram } from './histogram.js';
import type { NodeKernels } from './kernels.js';
import type { ResolvedParams } from './params.js';
import type { HistogramCuts } from './quantile.js';
import { SeededRandom, sampleSubset } from './random.js';
import { emptySplit, findBestSplit, leafWeight, type SplitCandidate } from './split.js';

/** Everything one tree is grown from; arrays are owned by the trainer and reused across trees. */
export interface GrowContext {
  readonly matrix: Float32Array;
  readonly columns: number;
  readonly bins: BinnedMatrix;
  readonly cuts: HistogramCuts;
  readonly params: ResolvedParams;
  readonly kernels: NodeKernels;
  /** Row r's gradient at 2r and hessian at 2r + 1 (float32 values, see accumulateHistogram). */
  readonly gradPairs: Float64Array;
  /** Sampled row ids; partitioned in place so each node owns a contiguous range. */
  readonly rowIndex: Int32Array;
  readonly sampledRows: number;
  readonly random: SeededRandom;
  readonly pool: HistogramPool;
  /**
   * Training margins (float32) of every row. When set, growTree adds each leaf's value to the
   * margins of the rows in `rowIndex` that reach it, which covers every row only without row sampling.
   */
  readonly margins: Float32Array | null;
  /** Partition lookup that `kernels` reads: 1 where a local bin goes right; a slot for every bin of any feature. */
  readonly goesRight: Uint8Array;
}

interface GrowNode {
  id: number;
  begin: number;
  end: number;
  sumGrad: number;
  sumHess: number;
  hist: Float64Array | null;
  split: SplitCandidate;
}

/** A grown tree. */
export interface GrownTree {
  tree: TreeArrays;
}

const RT_EPS = 1e-6;

/** Node fields collected while growing, in XGBoost's node order (children numbered as created). */
class TreeBuffer {
  left: number[] = [];
  right: number[] = [];
  parent: number[] = [];
  feature: number[] = [];
  condition: number[] = [];
  defaultLeft: number[] = [];
  baseWeight: number[] = [];
  loss: number[] = [];
  hess: number[] = [];

  add(parent: number, weight: number, sumHess: number): number {
    this.left.push(-1);
    this.right.push(-1);
    this.parent.push(parent);
    this.feature.push(0);
    this.condition.push(0);
    this.defaultLeft.push(0);
    this.baseWeight.push(weight);
    this.loss.push(0);
    this.hess.push(sumHess);
    return this.left.length - 1;
  }

  toArrays(): TreeArrays {
    return {
      leftChildren: Int32Array.from(this.left),
      rightChildren: Int32Array.from(this.right),
      parents: Int32Array.from(this.parent),
      splitIndices: Int32Array.from(this.feature),
      splitConditions: Float32Array.from(this.condition),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      splitType: new Uint8Array(this.left.length),
      baseWeights: Float32Array.from(this.baseWeight),
      lossChanges: Float32Array.from(this.loss),
      sumHessian: Float32Array.from(this.hess),
      categories: new Int32Array(0),
      categoriesNodes: new Int32Array(0),
      categoriesSegments: new Int32Array(0),
      categoriesSizes: new Int32Array(0),
    };
  }
}

/** Reusable float64 histograms of `2 × totalBins` values. */
export class HistogramPool {
  private free: Float64Array[] = [];
  constructor(private readonly size: number) {}

  acquire(): Float64Array {
    const hist = this.free.pop();
    if (hist) {
      hist.fill(0);
      return hist;
    }
    return new Float64Array(this.size);
  }

  release(hist: Float64Array | null): void {
    if (hist) this.free.push(hist);
  }
}

/**
 * Grows one tree depthwise with the `hist` method: level by level, every node whose best split
 * has loss change > 1e-6 and ≥ gamma is split, until max_depth. For each pair of children the
 * histogram of the child with fewer rows is built and the sibling's is the parent's minus it.
 */
export function growTree(ctx: GrowContext): GrownTree {
  const { params, bins } = ctx;
  const hists = ctx.pool;
  const allFeatures = Int32Array.from({ length: ctx.columns }, (_, f) => f);
  const treeFeatures = sampleSubset(allFeatures, params.colsampleByTree, ctx.random);
  const out = new TreeBuffer();

  let sumGrad = 0;
  let sumHess = 0;
  for (let i = 0; i < ctx.sampledRows; i++) {
    const r = ctx.rowIndex[i];
    sumGrad += ctx.gradPairs[2 * r];
    sumHess += ctx.gradPairs[2 * r + 1];
  }
  const root: GrowNode = { id: out.add(ROOT_PARENT, weightOf(ctx, sumGrad, sumHess), sumHess), begin: 0, end: ctx.sampledRows, sumGrad, sumHess, hist: null, split: emptySplit() };
  root.hist = hists.acquire();
  ctx.kernels.build(ctx.rowIndex, 0, ctx.sampledRows, ctx.gradPairs, root.hist);
  fillDefaultBins(bins, root.hist, sumGrad, sumHess);
  evaluate(ctx, root, sampleSubset(treeFeatures, params.colsampleByLevel, ctx.random));

  let level = [root];
  for (let depth = 0; depth < params.maxDepth && level.length > 0; depth++) {
    const childrenMaySplit = depth + 1 < params.maxDepth;
    const next: GrowNode[] = [];
    for (const node of level) {
      if (!splittable(ctx, node)) {
        finishLeaf(ctx, out, node);
        hists.release(node.hist);
      } else if (!childrenMaySplit && ctx.margins) {
        splitIntoLeaves(ctx, out, node, ctx.margins);
        hists.release(node.hist);
      } else {
        next.push(...applySplit(ctx, out, node));
      }
    }

    const levelFeatures = childrenMaySplit ? sampleSubset(treeFeatures, params.colsampleByLevel, ctx.random) : treeFeatures;
    for (let k = 0; k < next.length; k += 2) {
      const left = next[k];
      const right = next[k + 1];
      const parentHist = findParentHist(level, out, left.id);
      if (childrenMaySplit) {
        buildChildHistograms(ctx, hists, parentHist, left, right);
        evaluate(ctx, left, levelFeatures);
        evaluate(ctx, right, levelFeatures);
      } else {
        hists.release(parentHist);
      }
    }
    level = next;
  }
  for (const node of level) {
    finishLeaf(ctx, out, node);
    hists.release(node.hist);
  }
  return { tree: out.toArrays() };
}

function weightOf(ctx: GrowContext, sumGrad: number, sumHess: number): number {
  return Math.fround(leafWeight(ctx.params, sumGrad, sumHess));
}

function evaluate(ctx: GrowContext, node: GrowNode, levelFeatures: Int32Array): void {
  const features = sampleSubset(levelFeatures, ctx.params.colsampleByNode, ctx.random);
  findBestSplit(node.hist as Float64Array, ctx.bins, ctx.cuts, features, node.sumGrad, node.sumHess, ctx.params, node.split);
}

function splittable(ctx: GrowContext, node: GrowNode): boolean {
  const s = node.split;
  return s.feature >= 0 && s.lossChange > RT_EPS && s.lossChange >= ctx.params.gamma && s.leftHess > 0 && s.rightHess > 0;
}

/** Makes the node a leaf: its value is the float32 weight times eta, added to the margins of its rows. */
function finishLeaf(ctx: GrowContext, out: TreeBuffer, node: GrowNode): void {
  const value = setLeafValue(ctx, out, node.id);
  const { margins, rowIndex } = ctx;
  if (!margins) return;
  for (let i = node.begin; i < node.end; i++) {
    const r = rowIndex[i];
    margins[r] = Math.fround(margins[r] + value);
  }
}

function setLeafValue(ctx: GrowContext, out: TreeBuffer, id: number): number {
  const value = Math.fround(Math.fround(out.baseWeight[id]) * Math.fround(ctx.params.eta));
  out.condition[id] = value;
  return value;
}

/** Takes the histogram of a child's parent, which the parent keeps until its children are built. */
function findParentHist(level: GrowNode[], out: TreeBuffer, childId: number): Float64Array {
  const parentId = out.parent[childId];
  const parent = level.find((n) => n.id === parentId) as GrowNode;
  const hist = parent.hist as Float64Array;
  parent.hist = null;
  return hist;
}

function buildChildHistograms(ctx: GrowContext, hists: HistogramPool, parentHist: Float64Array, left: GrowNode, right: GrowNode): void {
  const [small, large] = left.end - left.begin <= right.end - right.begin ? [left, right] : [right, left];
  small.hist = hists.acquire();
  ctx.kernels.build(ctx.rowIndex, small.begin, small.end, ctx.gradPairs, small.hist);
  fillDefaultBins(ctx.bins, small.hist, small.sumGrad, small.sumHess);
  subtractHistogram(parentHist, small.hist, parentHist);
  large.hist = parentHist;
}

/** Records the node's split in the tree and adds its two children; returns their ids. */
function recordSplit(ctx: GrowContext, out: TreeBuffer, node: GrowNode): [number, number] {
  const s = node.split;
  const id = node.id;
  out.feature[id] = s.feature;
  out.condition[id] = s.threshold;
  out.defaultLeft[id] = s.defaultLeft ? 1 : 0;
  out.loss[id] = s.lossChange;
  const leftId = out.add(id, weightOf(ctx, s.leftGrad, s.leftHess), s.leftHess);
  const rightId = out.add(id, weightOf(ctx, s.rightGrad, s.rightHess), s.rightHess);
  out.left[id] = leftId;
  out.right[id] = rightId;
  return [leftId, rightId];
}

/** Records the split in the tree, partitions the node's rows and returns the two children. */
function applySplit(ctx: GrowContext, out: TreeBuffer, node: GrowNode): [GrowNode, GrowNode] {
  const s = node.split;
  const [leftId, rightId] = recordSplit(ctx, out, node);
  const middle = partitionRows(ctx, node.begin, node.end, s.feature, s.leftMaxBin, s.defaultLeft);
  const left: GrowNode = { id: leftId, begin: node.begin, end: middle, sumGrad: s.leftGrad, sumHess: s.leftHess, hist: null, split: emptySplit() };
  const right: GrowNode = { id: rightId, begin: middle, end: node.end, sumGrad: s.rightGrad, sumHess: s.rightHess, hist: null, split: emptySplit() };
  return [left, right];
}

/**
 * Splits a node whose children are leaves at max_depth. Its rows are not partitioned: one pass
 * adds the left or right leaf value to each row's margin, by the same bin test a partition makes.
 */
function splitIntoLeaves(ctx: GrowContext, out: TreeBuffer, node: GrowNode, margins: Float32Array): void {
  const s = node.split;
  const [leftId, rightId] = recordSplit(ctx, out, node);
  const leftValue = setLeafValue(ctx, out, leftId);
  const rightValue = setLeafValue(ctx, out, rightId);
  const { rowIndex, bins } = ctx;
  const goesRight = fillGoesRight(ctx, s.feature, s.leftMaxBin, s.defaultLeft);
  const column = bins.columnBins.subarray(s.feature * bins.rows, (s.feature + 1) * bins.rows);
  for (let i = node.begin; i < node.end; i++) {
    const r = rowIndex[i];
    margins[r] = Math.fround(margins[r] + (goesRight[column[r]] === 1 ? rightValue : leftValue));
  }
}

/** Sets `ctx.goesRight` for a split: 1 for local bins above leftMaxBin, and for the missing bin unless defaultLeft. */
function fillGoesRight(ctx: GrowContext, feature: number, leftMaxBin: number, defaultLeft: boolean): Uint8Array {
  const { bins, goesRight } = ctx;
  const missingBin = bins.binStart[feature + 1] - bins.binStart[feature] - 1;
  for (let b = 0; b < missingBin; b++) goesRight[b] = b <= leftMaxBin ? 0 : 1;
  goesRight[missingBin] = defaultLeft ? 0 : 1;
  return goesRight;
}

/**
 * Stable in-place partition of `rowIndex[begin..end)` by the binned column of `feature`: rows in
 * bins 0..leftMaxBin, and missing values when `defaultLeft`, go first. Bins agree with the float
 * comparison `value < threshold` by construction of the cuts. Returns the boundary.
 */
function partitionRows(ctx: GrowContext, begin: number, end: number, feature: number, leftMaxBin: number, defaultLeft: boolean): number {
  fillGoesRight(ctx, feature, leftMaxBin, defaultLeft);
  return ctx.kernels.partition(ctx.rowIndex, begin, end, feature);
}
