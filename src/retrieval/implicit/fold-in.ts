import { TwostageError } from '../../errors.js';
import { gramMatrix } from './als-kernel.js';
import { choleskyInPlace, choleskySolveInPlace } from './cholesky.js';
import type { FactorRetrievalModel } from './factor-model.js';
import { matrixValue } from './matrix.js';

/** Y^T Y + reg I per model, computed on first use (item factors never change after training). */
const gramCache = new WeakMap<Float32Array, Float64Array>();

/**
 * Solves factors for a user the model was not trained on, from the user's interactions and the
 * fixed ALS item factors: the exact minimizer of the ALS user objective,
 *   x = (Y^T Y + reg I + sum_i (c_i - 1) y_i y_i^T)^-1 sum_i c_i y_i,  c_i = alpha * value_i,
 * where value_i follows the model's value mode (1 for `binary`, the weight, or log(1 + weight)).
 * Repeated item indices are merged (values summed, or 1 for `binary`). One Cholesky solve in
 * float64: O(n f^2 + f^3) for n items and f factors. Returns a factor row of length f.
 *
 * Throws REC_ERR_REQUEST_INVALID when the history is empty, has an index outside the catalog or
 * a weight that is not a positive finite number; REC_ERR_MODEL_INVALID for a non-ALS model.
 */
export function foldInUser(model: FactorRetrievalModel, itemIndices: ArrayLike<number>, weights: ArrayLike<number> | null = null): Float32Array {
  if (model.kind !== 'als' || model.foldIn === null) {
    throw new TwostageError('REC_ERR_MODEL_INVALID', `fold-in needs an ALS model, got ${model.kind}`);
  }
  const values = mergeHistory(model, itemIndices, weights);
  const { alpha, regularization } = model.foldIn;
  const f = model.width;
  const y = model.itemFactors;

  let gram = gramCache.get(y);
  if (gram === undefined) {
    gram = new Float64Array(f * f);
    gramMatrix(y, model.itemIds.length, f, regularization, gram);
    gramCache.set(y, gram);
  }
  const a = Float64Array.from(gram);
  const b = new Float64Array(f);
  for (const [item, value] of values) {
    const c = alpha * value;
    const base = item * f;
    for (let p = 0; p < f; p++) {
      const yp = y[base + p];
      b[p] += c * yp;
      const scaled = (c - 1) * yp;
      for (let q = 0; q < f; q++) a[p * f + q] += scaled * y[base + q];
    }
  }
  return Float32Array.from(solveSymmetricPositive(a, b, f));
}

function mergeHistory(model: FactorRetrievalModel, itemIndices: ArrayLike<number>, weights: ArrayLike<number> | null): Map<number, number> {
  if (itemIndices.length === 0) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', 'fold-in needs at least one interaction; score a user without history as unknown instead');
  }
  if (weights !== null && weights.length !== itemIndices.length) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `fold-in got ${itemIndices.length} item indices but ${weights.length} weights`);
  }
  const mode = model.foldIn?.valueMode ?? 'binary';
  const values = new Map<number, number>();
  for (let k = 0; k < itemIndices.length; k++) {
    const item = itemIndices[k];
    if (!Number.isInteger(item) || item < 0 || item >= model.itemIds.length) {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `fold-in item index ${item} at position ${k} is outside [0, ${model.itemIds.length})`);
    }
    const weight = weights === null ? 1 : weights[k];
    if (!(weight > 0) || !Number.isFinite(weight)) {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `fold-in weight ${weight} at position ${k} must be a positive finite number`);
    }
    values.set(item, (values.get(item) ?? 0) + weight);
  }
  for (const [item, weight] of values) {
    values.set(item, matrixValue(mode, weight));
  }
  return values;
}

/**
 * Solves A x = b for a symmetric positive definite A (row-major [n, n], overwritten with its
 * Cholesky factor) and returns x.
 */
export function solveSymmetricPositive(a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (!choleskyInPlace(a, n)) {
    throw new TwostageError('REC_ERR_MODEL_INVALID', 'fold-in system is not positive definite; the model needs regularization > 0');
  }
  const x = Float64Array.from(b);
  choleskySolveInPlace(a, x, n);
  return x;
}
