/**
 * Evaluation metrics under XGBoost's names. `predictions` are in output space (probabilities for
 * binary:logistic, margins for ranking); `weights` are per row, or per group for ndcg.
 */
export interface MetricInput {
  predictions: Float32Array;
  labels: Float32Array;
  rows: number;
  weights?: Float32Array;
  groups?: Int32Array;
}

/** True when a larger value of the metric is better. */
export function metricMaximizes(name: string): boolean {
  return name.startsWith('ndcg');
}

/** Computes one metric: rmse, mae, logloss, error, ndcg, ndcg@K, or ndcg@K- (empty groups score 0). */
export function evaluateMetric(name: string, input: MetricInput): number {
  if (name === 'rmse') return Math.sqrt(weightedMean(input, (p, y) => (p - y) ** 2));
  if (name === 'mae') return weightedMean(input, (p, y) => Math.abs(p - y));
  if (name === 'logloss') {
    const eps = 1e-16;
    return weightedMean(input, (p, y) => {
      const q = Math.min(Math.max(p, eps), 1 - eps);
      return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
    });
  }
  if (name === 'error') return weightedMean(input, (p, y) => ((p > 0.5 ? 1 : 0) !== y ? 1 : 0));
  const match = /^ndcg(?:@(\d+))?(-)?$/.exec(name);
  if (match) {
    if (!input.groups) throw new Error(`metric ${name} needs query groups`);
    const k = match[1] === undefined ? Number.POSITIVE_INFINITY : Number(match[1]);
    return meanNdcg(input.predictions, input.labels, input.groups, k, match[2] === '-' ? 0 : 1, input.weights);
  }
  throw new Error(`unknown metric ${name}`);
}

function weightedMean(input: MetricInput, loss: (p: number, y: number) => number): number {
  let sum = 0;
  let weightSum = 0;
  for (let r = 0; r < input.rows; r++) {
    const w = input.weights ? input.weights[r] : 1;
    sum += w * loss(input.predictions[r], input.labels[r]);
    weightSum += w;
  }
  return weightSum > 0 ? sum / weightSum : 0;
}

/**
 * Mean NDCG@k over query groups, as XGBoost computes it: rows ordered by prediction (ties keep row
 * order), gain 2^label − 1, discount 1/log2(position + 2), divided by the DCG@k of the ideal order.
 * A group whose labels are all 0 scores `emptyGroupScore` (1 for "ndcg", 0 for "ndcg-").
 */
export function meanNdcg(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: Int32Array,
  k: number,
  emptyGroupScore = 1,
  groupWeights?: Float32Array,
): number {
  let total = 0;
  let weightSum = 0;
  for (let g = 0; g + 1 < groups.length; g++) {
    const start = groups[g];
    const size = groups[g + 1] - start;
    const order = Array.from({ length: size }, (_, i) => start + i);
    order.sort((a, b) => predictions[b] - predictions[a] || a - b);
    const ideal = order.map((r) => labels[r]).sort((a, b) => b - a);
    const cut = Math.min(k, size);
    let dcg = 0;
    let idcg = 0;
    for (let i = 0; i < cut; i++) {
      dcg += (2 ** labels[order[i]] - 1) / Math.log2(i + 2);
      idcg += (2 ** ideal[i] - 1) / Math.log2(i + 2);
    }
    const w = groupWeights ? groupWeights[g] : 1;
    total += w * (idcg === 0 ? emptyGroupScore : dcg / idcg);
    weightSum += w;
  }
  return weightSum > 0 ? total / weightSum : 0;
}
