import { createRng } from './rng.js';
import type { BprWasm } from './bpr-wasm.js';
import type { BprStratumTask, TaskResult } from './tasks.js';

/**
 * One stratum of BPR training (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit
 * Feedback", UAI 2009), with the update `implicit` (0.7) applies:
 *   z = 1 / (1 + exp(x_u . (y_i - y_j)))
 *   x_u += lr (z (y_i - y_j) - reg x_u)
 *   y_i += lr (z x_u - reg y_i),  y_j += lr (-z x_u - reg y_j)
 * where i is a positive item of user u and j a sampled negative. Factor rows have `width` = f + 1
 * columns: the last user column is fixed at 1, so the last item column is an item bias.
 *
 * A stratum is a list of positive pairs (all with users in one user block and items in one item
 * block) and a list of candidate negatives (one entry per stored pair of an item in the same item
 * block, so negatives are drawn in proportion to item popularity, as `implicit` draws them). It
 * draws as many samples as it has positives; a negative the user has stored is skipped.
 */
export function bprStratum(task: BprStratumTask, engine: BprWasm | null = null): TaskResult {
  if (task.context === undefined) throw new Error('BPR task without its context');
  if (engine !== null) {
    const positiveCount = task.positivesEnd - task.positivesStart;
    const negativeCount = task.negativesEnd - task.negativesStart;
    if (positiveCount === 0 || negativeCount === 0) return { correct: 0, skipped: 0 };
    return engine.runStratum(task, task.context);
  }
  const { indptr, indices, positivesUser, positivesItem, negatives, userFactors: x, itemFactors: y } = task.context;
  const width = task.width;
  const positiveCount = task.positivesEnd - task.positivesStart;
  const negativeCount = task.negativesEnd - task.negativesStart;
  if (positiveCount === 0 || negativeCount === 0) return { correct: 0, skipped: 0 };

  const rng = createRng(task.seed, task.stream);
  const lr = task.learningRate;
  const reg = task.regularization;
  const f = width - 1;
  let correct = 0;
  let skipped = 0;

  for (let s = 0; s < positiveCount; s++) {
    const pick = task.positivesStart + rng.nextInt(positiveCount);
    const u = positivesUser[pick];
    const liked = positivesItem[pick];
    const disliked = negatives[task.negativesStart + rng.nextInt(negativeCount)];
    if (hasEntry(indptr, indices, u, disliked)) {
      skipped++;
      continue;
    }

    const ub = u * width;
    const lb = liked * width;
    const db = disliked * width;
    let score = 0;
    for (let a = 0; a < width; a++) score += x[ub + a] * (y[lb + a] - y[db + a]);
    const z = 1 / (1 + Math.exp(score));
    if (z < 0.5) correct++;

    for (let a = 0; a < f; a++) {
      const xu = x[ub + a];
      const yl = y[lb + a];
      const yd = y[db + a];
      x[ub + a] = xu + lr * (z * (yl - yd) - reg * xu);
      y[lb + a] = yl + lr * (z * xu - reg * yl);
      y[db + a] = yd + lr * (-z * xu - reg * yd);
    }
    y[lb + f] += lr * (z - reg * y[lb + f]);
    y[db + f] += lr * (-z - reg * y[db + f]);
  }
  return { correct, skipped };
}

function hasEntry(indptr: Int32Array, indices: Int32Array, row: number, col: number): boolean {
  let lo = indptr[row];
  let hi = indptr[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = indices[mid];
    if (v === col) return true;
    if (v < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
