/**
 * Input of the top-K search: scores as an inner product, so every embedding model (SVD, ALS, BPR)
 * uses the same exact and approximate search.
 *
 * score(u, i) = Σ_f userFactors[u·width + f] · itemFactors[i·width + f] + userOffset[u]
 *
 * An item bias is folded in as a column: the user row carries 1 and the item row the bias. The
 * offset does not change a user's order, only the reported score (SVD puts μ + b_u there).
 */
export interface InnerProductScorer {
  /** Row-major [nUsers × width]. */
  readonly userFactors: Float32Array | Float64Array;
  /** Row-major [nItems × width]. */
  readonly itemFactors: Float32Array | Float64Array;
  readonly width: number;
  readonly nUsers: number;
  readonly nItems: number;
  /** Added to every score of user u, shape [nUsers]; null or absent for none. */
  readonly userOffset?: Float64Array | null;
}
