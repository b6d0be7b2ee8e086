import type { CheckedDataset } from './dataset.js';
import type { ResolvedParams } from './params.js';

/**
 * base_score in output space. A number given is used as is (XGBoost 1.x always used 0.5).
 * "auto" follows XGBoost 2.x, which fits one unregularized Newton step from margin 0 over all
 * rows and maps it to output space: the weighted label mean for squared error, and
 * sigmoid(Σw(y − ½) / Σw·¼) for binary:logistic. Ranking objectives keep 0.5, because a constant
 * shift of every score does not change any order.
 */
export function chooseBaseScore(params: ResolvedParams, data: CheckedDataset): number {
  if (params.baseScore !== 'auto') return Math.fround(params.baseScore);
  if (params.objective.startsWith('rank:')) return 0.5;
  let sumGrad = 0;
  let sumHess = 0;
  for (let r = 0; r < data.rows; r++) {
    const w = data.weights ? data.weights[r] : 1;
    if (params.objective === 'reg:squarederror') {
      sumGrad -= w * data.labels[r];
      sumHess += w;
    } else {
      sumGrad += w * (0.5 - data.labels[r]);
      sumHess += w * 0.25;
    }
  }
  const step = sumHess > 0 ? -sumGrad / sumHess : 0;
  if (params.objective === 'reg:squarederror') return Math.fround(step);
  const probability = 1 / (1 + Math.exp(-step));
  return Math.fround(Math.min(Math.max(probability, 1e-6), 1 - 1e-6));
}
