import type { ResolvedParams } from './params.js';
import { SeededRandom } from './random.js';
import { sortDescendingStable } from './sort-keys.js';

/** Inputs of a gradient computation; `margins` are raw scores (before the output link). */
export interface GradientInput {
  margins: Float32Array;
  labels: Float32Array;
  weights?: Float32Array;
  groups?: Int32Array;
  /** Precomputed by computeLabelBuckets for ranking objectives (computed per call when absent). */
  labelBuckets?: LabelBuckets;
  rows: number;
}

const HESS_EPS = 1e-16;

/**
 * Writes the first and second derivatives of the loss at `margins` into `grad` and `hess`
 * (float32, as XGBoost keeps them). `iteration` seeds the pair sampling of the ranking objectives.
 */
export function computeGradients(params: ResolvedParams, input: GradientInput, grad: Float32Array, hess: Float32Array, iteration: number): void {
  switch (params.objective) {
    case 'reg:squarederror':
      squaredErrorGradients(input, grad, hess);
      return;
    case 'binary:logistic':
      logisticGradients(input, params.scalePosWeight, grad, hess);
      return;
    default:
      lambdaRankGradients(input, params, grad, hess, iteration);
  }
}

/** Squared error ½(p − y)²: g = p − y, h = 1, both times the row weight. */
function squaredErrorGradients({ margins, labels, weights, rows }: GradientInput, grad: Float32Array, hess: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const w = weights ? weights[r] : 1;
    grad[r] = (margins[r] - labels[r]) * w;
    hess[r] = w;
  }
}

/** Log loss with p = sigmoid(margin): g = p − y, h = max(p(1 − p), 1e-16); positives weigh scale_pos_weight. */
function logisticGradients({ margins, labels, weights, rows }: GradientInput, scalePosWeight: number, grad: Float32Array, hess: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const p = 1 / (1 + Math.exp(-margins[r]));
    let w = weights ? weights[r] : 1;
    if (labels[r] === 1) w *= scalePosWeight;
    grad[r] = (p - labels[r]) * w;
    hess[r] = Math.max(p * (1 - p), HESS_EPS) * w;
  }
}

/**
 * Label bucket of each row within its query group: 0 for the group's highest label, 1 for the
 * next distinct label, and so on. Labels do not change between rounds, so this is computed once.
 */
export interface LabelBuckets {
  bucketOfRow: Int32Array;
  /** Number of distinct labels of each group. */
  bucketCount: Int32Array;
  /** NDCG gain 2^label − 1 of each row. */
  gainOfRow: Float64Array;
}

export function computeLabelBuckets(labels: Float32Array, groups: Int32Array): LabelBuckets {
  const bucketOfRow = new Int32Array(labels.length);
  const bucketCount = new Int32Array(groups.length - 1);
  for (let k = 0; k + 1 < groups.length; k++) {
    const start = groups[k];
    const end = groups[k + 1];
    const distinct = [...new Set(labels.subarray(start, end))].sort((a, b) => b - a);
    const bucket = new Map(distinct.map((label, i) => [label, i]));
    for (let r = start; r < end; r++) bucketOfRow[r] = bucket.get(labels[r]) as number;
    bucketCount[k] = distinct.length;
  }
  const gainOfRow = Float64Array.from(labels, (label) => 2 ** label - 1);
  return { bucketOfRow, bucketCount, gainOfRow };
}

/**
 * LambdaMART as XGBoost 1.7 computes it. In each query group, rows are ordered by margin; for every
 * row, `pairsPerSample` partners with a different label are drawn at random; each pair (higher
 * label i, lower label j) adds g = σ(s_i − s_j) − 1 times its weight to i, the opposite to j, and
 * 2 w σ(1 − σ) to both hessians. rank:ndcg weighs a pair by |ΔNDCG| of swapping the two positions
 * (gain 2^label − 1, discount 1/log2(position + 2), normalized by the group's ideal DCG);
 * rank:pairwise uses weight 1. Group weights are normalized to mean 1 and divided by the pair count.
 */
function lambdaRankGradients(input: GradientInput, params: ResolvedParams, grad: Float32Array, hess: Float32Array, iteration: number): void {
  const { margins, labels, weights, rows } = input;
  const groups = input.groups as Int32Array;
  const buckets = input.labelBuckets ?? computeLabelBuckets(labels, groups);
  const groupCount = groups.length - 1;
  grad.fill(0, 0, rows);
  hess.fill(0, 0, rows);

  let weightSum = 0;
  for (let k = 0; k < groupCount; k++) weightSum += weights ? weights[k] : 1;
  const normalization = weightSum > 0 ? groupCount / weightSum : 0;
  const scale = 1 / params.pairsPerSample;
  const random = new SeededRandom((params.seed ^ Math.imul(iteration + 1, 0x9e3779b1)) >>> 0);
  const ndcg = params.objective === 'rank:ndcg';

  let maxGroup = 0;
  for (let k = 0; k < groupCount; k++) maxGroup = Math.max(maxGroup, groups[k + 1] - groups[k]);
  const ranked = new Int32Array(maxGroup);
  const positions = new Int32Array(maxGroup);
  const bucketStart = new Int32Array(maxGroup + 1);
  const packed = new Float64Array(maxGroup);
  const gain = new Float64Array(maxGroup);
  const discount = Float64Array.from({ length: maxGroup }, (_, i) => 1 / Math.log2(i + 2));

  for (let k = 0; k < groupCount; k++) {
    const start = groups[k];
    const size = groups[k + 1] - start;
    // ranked[i]: row at rank position i by margin. positions: rank positions ordered by label, highest first.
    sortDescendingStable(size, (i) => margins[start + i], ranked, packed);
    for (let i = 0; i < size; i++) ranked[i] += start;
    const bucketTotal = buckets.bucketCount[k];
    if (bucketTotal < 2) continue;
    groupPositionsByLabel(ranked, size, buckets.bucketOfRow, bucketTotal, bucketStart, positions);

    if (ndcg) for (let i = 0; i < size; i++) gain[i] = buckets.gainOfRow[ranked[i]];
    const inverseIdcg = ndcg ? inverseIdealDcg(gain, positions, discount, size) : 1;
    if (ndcg && inverseIdcg === 0) continue;
    const groupWeight = (weights ? weights[k] : 1) * normalization * scale;

    for (let b = 0; b < bucketTotal; b++) {
      const i = bucketStart[b];
      const j = bucketStart[b + 1];
      const others = size - (j - i);
      for (let n = 0; n < params.pairsPerSample && others > 0; n++) {
        for (let p = i; p < j; p++) {
          const pick = random.nextInt(others);
          const high = pick < i ? positions[pick] : positions[p];
          const low = pick < i ? positions[p] : positions[pick + j - i];
          const delta = ndcg ? Math.abs((gain[high] - gain[low]) * (discount[high] - discount[low])) * inverseIdcg : 1;
          addPair(margins, grad, hess, ranked[high], ranked[low], groupWeight * delta);
        }
      }
    }
  }
}

/** Counting sort of rank positions by label bucket (stable, so positions ascend within a bucket). */
function groupPositionsByLabel(ranked: Int32Array, size: number, bucketOfRow: Int32Array, bucketTotal: number, bucketStart: Int32Array, positions: Int32Array): void {
  bucketStart.fill(0, 0, bucketTotal + 1);
  for (let i = 0; i < size; i++) bucketStart[bucketOfRow[ranked[i]] + 1]++;
  for (let b = 0; b < bucketTotal; b++) bucketStart[b + 1] += bucketStart[b];
  const fill = bucketStart.slice(0, bucketTotal);
  for (let i = 0; i < size; i++) positions[fill[bucketOfRow[ranked[i]]]++] = i;
}

function addPair(margins: Float32Array, grad: Float32Array, hess: Float32Array, high: number, low: number, w: number): void {
  const p = 1 / (1 + Math.exp(-(margins[high] - margins[low])));
  const g = (p - 1) * w;
  const h = 2 * w * Math.max(p * (1 - p), HESS_EPS);
  grad[high] += g;
  hess[high] += h;
  grad[low] -= g;
  hess[low] += h;
}

/** 1 / IDCG of a group (float32 DCG, as XGBoost 1.7), or 0 when every gain is 0. */
function inverseIdealDcg(gain: Float64Array, positions: Int32Array, discount: Float64Array, size: number): number {
  let dcg = 0;
  for (let i = 0; i < size; i++) dcg += gain[positions[i]] * discount[i];
  return dcg === 0 ? 0 : 1 / Math.fround(dcg);
}
