import type { TreeArrays } from '../model.js';
import { ROOT_PARENT } from '../xgboost-json.js';
import type { BinnedMatrix } from './binned-matrix.js';
import { fillDefaultBins, subtractHistogram } from './histogram.js';
import type { HistogramJob, NodeKernels } from './kernels.js';
import { fillGoesRight, type PartitionJob } from './partition.js';
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
  /** Lookup for splits at the last level: 1 where a local bin goes right; a slot for every bin of any feature. */
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

  const { rowIndex, gradPairs, sampledRows } = ctx;
  let sumGrad = 0;
  let sumHess = 0;
  const sums = ctx.kernels.sumGradPairs?.(rowIndex, gradPairs, 0, sampledRows);
  if (sums) {
    sumGrad = sums[0];
    sumHess = sums[1];
  } else {
    for (let i = 0; i < sampledRows; i++) {
      const r = rowIndex[i];
      sumGrad += gradPairs[2 * r];
      sumHess += gradPairs[2 * r + 1];
    }
  }
  const root: GrowNode = { id: out.add(ROOT_PARENT, weightOf(ctx, sumGrad, sumHess), sumHess), begin: 0, end: ctx.sampledRows, sumGrad, sumHess, hist: null, split: emptySplit() };
  root.hist = hists.acquire();
  ctx.kernels.build(ctx.rowIndex, ctx.gradPairs, [{ begin: 0, end: ctx.sampledRows, hist: root.hist }]);
  fillDefaultBins(bins, root.hist, sumGrad, sumHess);
  evaluate(ctx, root, sampleSubset(treeFeatures, params.colsampleByLevel, ctx.random));

  let level = [root];
  for (let depth = 0; depth < params.maxDepth && level.length > 0; depth++) {
    const childrenMaySplit = depth + 1 < params.maxDepth;
    const splitting: GrowNode[] = [];
    const childIds: [number, number][] = [];
    for (const node of level) {
      if (!splittable(ctx, node)) {
        finishLeaf(ctx, out, node);
        hists.release(node.hist);
      } else if (!childrenMaySplit && ctx.margins) {
        splitIntoLeaves(ctx, out, node, ctx.margins);
        hists.release(node.hist);
      } else {
        splitting.push(node);
        childIds.push(recordSplit(ctx, out, node));
      }
    }
    const next = partitionLevel(ctx, splitting, childIds);

    const levelFeatures = childrenMaySplit ? sampleSubset(treeFeatures, params.colsampleByLevel, ctx.random) : treeFeatures;
    const parentHists = splitting.map((node) => takeHist(node));
    if (childrenMaySplit) {
      buildChildHistograms(ctx, hists, parentHists, next, levelFeatures);
    } else {
      for (const hist of parentHists) hists.release(hist);
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

function takeHist(node: GrowNode): Float64Array {
  const hist = node.hist as Float64Array;
  node.hist = null;
  return hist;
}

/**
 * Builds the histograms of the pairs of children in `next` (left, right, left, right, …), where
 * pair k has the parent histogram `parentHists[k]`, and finds the children's best splits. The
 * child with fewer rows of every pair is built in one kernel call. Its sibling takes the parent's
 * buffer, which becomes parent − child.
 */
function buildChildHistograms(ctx: GrowContext, hists: HistogramPool, parentHists: Float64Array[], next: GrowNode[], levelFeatures: Int32Array): void {
  const jobs: HistogramJob[] = [];
  const smaller: GrowNode[] = [];
  for (let k = 0; k < next.length; k += 2) {
    const left = next[k];
    const right = next[k + 1];
    const small = left.end - left.begin <= right.end - right.begin ? left : right;
    small.hist = hists.acquire();
    jobs.push({ begin: small.begin, end: small.end, hist: small.hist });
    smaller.push(small);
  }
  // Pairs complete in order, so evaluate draws colsample_bynode features in the order of one thread.
  ctx.kernels.build(ctx.rowIndex, ctx.gradPairs, jobs, (k) => {
    const small = smaller[k];
    const large = small === next[2 * k] ? next[2 * k + 1] : next[2 * k];
    const parentHist = parentHists[k];
    fillDefaultBins(ctx.bins, small.hist as Float64Array, small.sumGrad, small.sumHess);
    subtractHistogram(parentHist, small.hist as Float64Array, parentHist);
    large.hist = parentHist;
    evaluate(ctx, next[2 * k], levelFeatures);
    evaluate(ctx, next[2 * k + 1], levelFeatures);
  });
}

/** Partitions the rows of every node in `splitting`, in one kernel call, and returns their children in order. */
function partitionLevel(ctx: GrowContext, splitting: GrowNode[], childIds: [number, number][]): GrowNode[] {
  const jobs: PartitionJob[] = splitting.map(({ begin, end, split }) => ({ begin, end, feature: split.feature, leftMaxBin: split.leftMaxBin, defaultLeft: split.defaultLeft }));
  const boundaries = ctx.kernels.partition(ctx.rowIndex, jobs);
  const next: GrowNode[] = [];
  splitting.forEach((node, k) => {
    const s = node.split;
    const [leftId, rightId] = childIds[k];
    const middle = boundaries[k];
    next.push(
      { id: leftId, begin: node.begin, end: middle, sumGrad: s.leftGrad, sumHess: s.leftHess, hist: null, split: emptySplit() },
      { id: rightId, begin: middle, end: node.end, sumGrad: s.rightGrad, sumHess: s.rightHess, hist: null, split: emptySplit() },
    );
  });
  return next;
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
  const job = { begin: node.begin, end: node.end, feature: s.feature, leftMaxBin: s.leftMaxBin, defaultLeft: s.defaultLeft };
  if (ctx.kernels.addSplitLeafValues?.(rowIndex, margins, job, leftValue, rightValue)) return;
  const goesRight = fillGoesRight(ctx.goesRight, bins, s.feature, s.leftMaxBin, s.defaultLeft);
  const column = bins.columnBins.subarray(s.feature * bins.rows, (s.feature + 1) * bins.rows);
  for (let i = node.begin; i < node.end; i++) {
    const r = rowIndex[i];
    margins[r] = Math.fround(margins[r] + (goesRight[column[r]] === 1 ? rightValue : leftValue));
  }
}
