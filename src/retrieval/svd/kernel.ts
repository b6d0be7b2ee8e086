/**
 * SGD kernel of biased matrix factorization, as Surprise's `SVD.sgd` (Surprise 1.1.4), on flat
 * float64 arrays. Pure: no I/O, no allocation.
 *
 * Shapes (row-major): pu [nUsers × k] user factors, qi [nItems × k] item factors, bu [nUsers]
 * user biases, bi [nItems] item biases; k = number of factors.
 *
 * One step for a rating r of user u on item i, with every value read before the step:
 *   e = r − (μ + b_u + b_i + q_i·p_u)
 *   b_u += γ_bu (e − λ_bu b_u),  b_i += γ_bi (e − λ_bi b_i)          (biased models only)
 *   p_uf += γ_pu (e q_if − λ_pu p_uf),  q_if += γ_qi (e p_uf − λ_qi q_if)   for each factor f
 * The dot product q_i·p_u is summed in factor order and each expression is evaluated in the order
 * above, so results match Surprise's compiled loop bit for bit given the same initial values.
 */

/** Learning rates and regularization terms of one SGD step, in the order of the update rules. */
export interface SgdRates {
  readonly lrBu: number;
  readonly lrBi: number;
  readonly lrPu: number;
  readonly lrQi: number;
  readonly regBu: number;
  readonly regBi: number;
  readonly regPu: number;
  readonly regQi: number;
}

/** Ratings in visiting order: entry j is user[j] rating item[j] with value rating[j]. */
export interface RatingArrays {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly rating: Float64Array;
}

/** Model arrays the kernel updates in place. */
export interface FactorState {
  /** User factors, shape [nUsers × nFactors]. */
  readonly pu: Float64Array;
  /** Item factors, shape [nItems × nFactors]. */
  readonly qi: Float64Array;
  /** User biases, shape [nUsers]. */
  readonly bu: Float64Array;
  /** Item biases, shape [nItems]. */
  readonly bi: Float64Array;
  readonly nFactors: number;
  /** μ, the global mean; 0 for unbiased models. */
  readonly globalMean: number;
  /** Whether biases are learned (Surprise's `biased`). */
  readonly biased: boolean;
}

/**
 * Runs one epoch of SGD over `ratings` in array order and returns the sum of squared errors,
 * each error taken before its own update (a running training error, free to compute).
 */
export function sgdEpoch(state: FactorState, ratings: RatingArrays, rates: SgdRates): number {
  const { pu, qi, bu, bi, nFactors: k, globalMean, biased } = state;
  const { user, item, rating } = ratings;
  const { lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi } = rates;
  let squaredError = 0;

  for (let j = 0; j < rating.length; j++) {
    const u = user[j];
    const i = item[j];
    const userRow = u * k;
    const itemRow = i * k;

    let dot = 0;
    for (let f = 0; f < k; f++) dot += qi[itemRow + f] * pu[userRow + f];
    const err = rating[j] - (globalMean + bu[u] + bi[i] + dot);
    squaredError += err * err;

    if (biased) {
      bu[u] += lrBu * (err - regBu * bu[u]);
      bi[i] += lrBi * (err - regBi * bi[i]);
    }

    for (let f = 0; f < k; f++) {
      const puf = pu[userRow + f];
      const qif = qi[itemRow + f];
      pu[userRow + f] = puf + lrPu * (err * qif - regPu * puf);
      qi[itemRow + f] = qif + lrQi * (err * puf - regQi * qif);
    }
  }
  return squaredError;
}

/**
 * Returns the unclipped estimate μ + b_u + b_i + q_i·p_u for a known user and item, with the dot
 * product summed in factor order.
 */
export function estimateKnown(state: FactorState, u: number, i: number): number {
  const { pu, qi, bu, bi, nFactors: k, globalMean } = state;
  let dot = 0;
  for (let f = 0; f < k; f++) dot += qi[i * k + f] * pu[u * k + f];
  return globalMean + bu[u] + bi[i] + dot;
}
