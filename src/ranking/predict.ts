import type { GbdtModel } from './model.js';
import { checkShape, compileForest, predictForest, predictMargins, type Forest } from './forest.js';
import type { Ranker } from './types.js';

/** Feature names of a model, or XGBoost's default names f0, f1, … when it was trained without names. */
export function modelFeatureNames(model: GbdtModel): string[] {
  if (model.featureNames.length > 0) return [...model.featureNames];
  return Array.from({ length: model.numFeature }, (_, i) => `f${i}`);
}

/**
 * The `Ranker` of an XGBoost model: batch prediction over a row-major float32 matrix with no
 * per-row allocation, bit-for-bit the values XGBoost's CPU predictor returns (float32 strict `<`
 * comparisons, default direction for NaN, float32 sum after each tree).
 */
export class XgboostRanker implements Ranker {
  readonly featureNames: readonly string[];
  readonly objective: string;
  private readonly forest: Forest;

  constructor(readonly model: GbdtModel) {
    this.featureNames = modelFeatureNames(model);
    this.objective = model.objective;
    this.forest = compileForest(model);
  }

  get treeCount(): number {
    return this.forest.treeRoots.length;
  }

  predict(matrix: Float32Array, rows: number, out: Float32Array): void {
    predictForest(this.forest, matrix, rows, out);
  }

  /** Writes raw margins (before the objective's link) to `out`. */
  predictMargin(matrix: Float32Array, rows: number, out: Float32Array): void {
    checkShape(this.forest, matrix, rows, out);
    predictMargins(this.forest, matrix, rows, out);
  }
}
