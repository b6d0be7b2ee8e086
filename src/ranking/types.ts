/** The predictor interface of a ranking model; serving and evaluation call only this. */
export interface Ranker {
  /** Feature names in the column order `predict` expects. */
  readonly featureNames: readonly string[];
  /**
   * Scores `rows` rows of a row-major float32 matrix (shape [rows, featureNames.length], NaN =
   * missing) into `out` (length ≥ rows), in the model's output space (rating for regression,
   * probability for binary:logistic, margin for ranking objectives).
   */
  predict(matrix: Float32Array, rows: number, out: Float32Array): void;
}
