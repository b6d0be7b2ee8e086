import type { Interactions } from '../../data/types.js';
import { TwostageError } from '../../errors.js';
import { buildCsr, type CsrAllocation, type CsrMatrix } from './csr.js';

/**
 * Rule that turns an interaction into a matrix value: `binary` stores 1 per (user, item) pair, `weight`
 * stores the interaction weight (for example a purchased quantity), `log1p` stores log(1 + weight),
 * which keeps bulk purchases from dominating.
 */
export type ValueMode = 'binary' | 'weight' | 'log1p';

export const VALUE_MODES: readonly ValueMode[] = ['binary', 'weight', 'log1p'];

/** Returns the matrix value of an interaction with the given weight under a value mode. */
export function matrixValue(mode: ValueMode, weight: number): number {
  if (mode === 'binary') return 1;
  if (mode === 'weight') return weight;
  return Math.log1p(weight);
}

/**
 * Builds the users x items matrix of a training window from interactions, shape
 * [userIds.length, itemIds.length]. Pairs repeated in the input are summed (`binary` keeps 1).
 * `include`, when given, selects the interactions to use (for example the training part of a split).
 */
export function buildUserItemMatrix(
  interactions: Interactions,
  options: { valueMode?: ValueMode; include?: (index: number) => boolean } & CsrAllocation = {},
): CsrMatrix {
  const mode = options.valueMode ?? 'binary';
  if (!VALUE_MODES.includes(mode)) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `unknown value mode ${JSON.stringify(mode)}; expected one of ${VALUE_MODES.join(', ')}`);
  }
  const n = interactions.user.length;
  if (options.include === undefined && mode === 'binary') {
    // Every interaction, value 1: the index arrays go to buildCsr as they are.
    const matrix = buildCsr(interactions.user, interactions.item, new Float32Array(n).fill(1), interactions.userIds.length, interactions.itemIds.length, options);
    matrix.data.fill(1);
    return matrix;
  }
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < n; j++) {
    if (options.include !== undefined && !options.include(j)) continue;
    const weight = interactions.weight[j];
    if (mode !== 'binary' && !(weight > 0)) {
      throw new TwostageError('REC_ERR_TRAINING_FAILED', `interaction ${j} has weight ${weight}; value mode ${mode} needs positive weights`);
    }
    users.push(interactions.user[j]);
    items.push(interactions.item[j]);
    values.push(matrixValue(mode, weight));
  }
  const matrix = buildCsr(Int32Array.from(users), Int32Array.from(items), values, interactions.userIds.length, interactions.itemIds.length, options);
  if (mode === 'binary') matrix.data.fill(1);
  return matrix;
}
