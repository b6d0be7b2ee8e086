import type { BinnedMatrix } from './binned-matrix.js';
import type { ResolvedParams } from './params.js';
import type { HistogramCuts } from './quantile.js';

/** Regularization terms of the split gain and leaf weight formulas. */
export type Regularization = Pick<ResolvedParams, 'lambda' | 'alpha' | 'maxDeltaStep' | 'minChildWeight'>;

/** Best split found for a node; `lossChange` 0 means none. */
export interface SplitCandidate {
  lossChange: number;
  feature: number;
  threshold: number;
  defaultLeft: boolean;
  /** Non-missing values in local bins 0..leftMaxBin go left (-1: none do). */
  leftMaxBin: number;
  leftGrad: number;
  leftHess: number;
  rightGrad: number;
  rightHess: number;
}

export const emptySplit = (): SplitCandidate => ({
  lossChange: 0, feature: -1, threshold: 0, defaultLeft: false, leftMaxBin: -1, leftGrad: 0, leftHess: 0, rightGrad: 0, rightHess: 0,
});

function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/**
 * Leaf weight before the learning rate: w = −ThresholdL1(G, α) / (H + λ), clipped to
 * ±max_delta_step when that is set, and 0 when H < min_child_weight or H ≤ 0.
 */
export function leafWeight(reg: Regularization, sumGrad: number, sumHess: number): number {
  if (sumHess < reg.minChildWeight || sumHess <= 0) return 0;
  let w = -thresholdL1(sumGrad, reg.alpha) / (sumHess + reg.lambda);
  if (reg.maxDeltaStep !== 0 && Math.abs(w) > reg.maxDeltaStep) w = Math.sign(w) * reg.maxDeltaStep;
  return w;
}

/** Loss reduction of a node with weight w: −(2 G w + (H + λ) w²). */
export function gainOfWeight(reg: Regularization, sumGrad: number, sumHess: number, w: number): number {
  return -(2 * sumGrad * w + (sumHess + reg.lambda) * w * w);
}

export function nodeGain(reg: Regularization, sumGrad: number, sumHess: number): number {
  return gainOfWeight(reg, sumGrad, sumHess, leafWeight(reg, sumGrad, sumHess));
}

/**
 * Finds the best split of a node from its histogram over the `features` allowed. Each feature is
 * scanned forward with missing values going right. A feature with missing values in the training
 * data is also scanned backward with them going left, so the split learns its default direction. Gain =
 * gain(left) + gain(right) − gain(node); both children need hessian ≥ min_child_weight and > 0.
 * Ties keep the lower feature index and the forward scan, as XGBoost does.
 */
export function findBestSplit(
  hist: Float64Array,
  bins: BinnedMatrix,
  cuts: HistogramCuts,
  features: Int32Array,
  sumGrad: number,
  sumHess: number,
  reg: Regularization,
  best: SplitCandidate,
): SplitCandidate {
  const rootGain = nodeGain(reg, sumGrad, sumHess);
  const mcw = reg.minChildWeight;
  // Without α and max_delta_step, gain(G, H) is G² / (H + λ) once H ≥ min_child_weight holds.
  const plain = reg.alpha === 0 && reg.maxDeltaStep === 0;
  const lambda = reg.lambda;
  best.lossChange = 0;
  best.feature = -1;
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const start = bins.binStart[f];
    const numeric = bins.binStart[f + 1] - start - 1;
    const cutBase = cuts.cutPtr[f];

    let gl = 0;
    let hl = 0;
    for (let b = 0; b < numeric; b++) {
      gl += hist[2 * (start + b)];
      hl += hist[2 * (start + b) + 1];
      const gr = sumGrad - gl;
      const hr = sumHess - hl;
      if (hl < mcw || hr < mcw || hl <= 1e-12 || hr <= 1e-12) continue;
      const loss = plain ? (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - rootGain : nodeGain(reg, gl, hl) + nodeGain(reg, gr, hr) - rootGain;
      if (loss > best.lossChange) setSplit(best, loss, f, cuts.cutValues[cutBase + b], false, b, gl, hl, gr, hr);
    }
    if (bins.hasMissing[f] === 0) continue;

    let gr = 0;
    let hr = 0;
    for (let b = numeric - 1; b >= 0; b--) {
      gr += hist[2 * (start + b)];
      hr += hist[2 * (start + b) + 1];
      const gLeft = sumGrad - gr;
      const hLeft = sumHess - hr;
      if (hLeft < mcw || hr < mcw || hLeft <= 1e-12 || hr <= 1e-12) continue;
      const loss = plain ? (gLeft * gLeft) / (hLeft + lambda) + (gr * gr) / (hr + lambda) - rootGain : nodeGain(reg, gLeft, hLeft) + nodeGain(reg, gr, hr) - rootGain;
      const threshold = b === 0 ? cuts.minValues[f] : cuts.cutValues[cutBase + b - 1];
      if (loss > best.lossChange) setSplit(best, loss, f, threshold, true, b - 1, gLeft, hLeft, gr, hr);
    }
  }
  return best;
}

function setSplit(s: SplitCandidate, loss: number, f: number, threshold: number, defaultLeft: boolean, leftMaxBin: number, gl: number, hl: number, gr: number, hr: number): void {
  s.lossChange = loss;
  s.feature = f;
  s.threshold = threshold;
  s.defaultLeft = defaultLeft;
  s.leftMaxBin = leftMaxBin;
  s.leftGrad = gl;
  s.leftHess = hl;
  s.rightGrad = gr;
  s.rightHess = hr;
}
