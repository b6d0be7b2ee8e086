import type { RetrievalModel } from '../types.js';
import { TwostageError } from '../../errors.js';
import { IdMappedModel } from './id-index.js';
import type { ValueMode } from './matrix.js';

/** Training settings an ALS model keeps so fold-in solves the same problem as training. */
export interface AlsFoldInParameters {
  readonly alpha: number;
  readonly regularization: number;
  readonly valueMode: ValueMode;
}

export interface FactorModelInit {
  readonly kind: 'als' | 'bpr';
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** Row-major [users, width]. */
  readonly userFactors: Float32Array;
  /** Row-major [items, width]. */
  readonly itemFactors: Float32Array;
  /** Columns per factor row (f for ALS, f + 1 for BPR, whose last item column is a bias). */
  readonly width: number;
  /** Training popularity per item (distinct users), shape [items]: the order for unknown users. */
  readonly popularity: Float32Array;
  /** ALS only: what fold-in needs. */
  readonly foldIn?: AlsFoldInParameters;
  /** Hyperparameters and training figures, kept in the artifact manifest. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * A retrieval model scored by dot product of user and item factor rows (ALS and BPR). Known users
 * get x_u . y_i; unknown users get the training popularity of each item, the same order for all of
 * them. A user with history but no factors can be scored through fold-in (ALS, see foldInUser).
 */
export class FactorRetrievalModel extends IdMappedModel implements RetrievalModel {
  readonly kind: 'als' | 'bpr';
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly width: number;
  readonly popularity: Float32Array;
  readonly foldIn: AlsFoldInParameters | null;
  readonly parameters: Readonly<Record<string, unknown>>;

  constructor(init: FactorModelInit) {
    super(init.userIds, init.itemIds);
    const { userIds, itemIds, width } = init;
    if (!Number.isInteger(width) || width < 1) throw new TwostageError('REC_ERR_MODEL_INVALID', `factor width must be a positive integer, got ${width}`);
    expectLength(`${init.kind} user factors`, init.userFactors.length, userIds.length * width);
    expectLength(`${init.kind} item factors`, init.itemFactors.length, itemIds.length * width);
    expectLength(`${init.kind} popularity`, init.popularity.length, itemIds.length);
    if (init.kind === 'als' && init.foldIn === undefined) throw new TwostageError('REC_ERR_MODEL_INVALID', 'an ALS model needs its fold-in parameters (alpha, regularization, value mode)');
    this.kind = init.kind;
    this.userFactors = init.userFactors;
    this.itemFactors = init.itemFactors;
    this.width = width;
    this.popularity = init.popularity;
    this.foldIn = init.foldIn ?? null;
    this.parameters = init.parameters ?? {};
  }

  scoreUser(userIndex: number, out: Float32Array): void {
    this.checkUserIndex(userIndex);
    scoreFactorRow(this.userFactors, userIndex * this.width, this.itemFactors, this.width, out);
  }

  scoreUnknownUser(out: Float32Array): void {
    out.set(this.popularity);
  }

  /** Scores every item for a user given as a factor row of length `width` (for example from fold-in). */
  scoreFactors(userFactors: Float32Array, out: Float32Array): void {
    expectLength('user factor row', userFactors.length, this.width);
    scoreFactorRow(userFactors, 0, this.itemFactors, this.width, out);
  }
}

/** out[i] = x[base .. base + width) . y_i for every item row of `itemFactors`. */
export function scoreFactorRow(x: Float32Array, base: number, itemFactors: Float32Array, width: number, out: Float32Array): void {
  const items = itemFactors.length / width;
  for (let i = 0; i < items; i++) {
    const row = i * width;
    let s0 = 0;
    let s1 = 0;
    let a = 0;
    for (; a + 1 < width; a += 2) {
      s0 += x[base + a] * itemFactors[row + a];
      s1 += x[base + a + 1] * itemFactors[row + a + 1];
    }
    if (a < width) s0 += x[base + a] * itemFactors[row + a];
    out[i] = s0 + s1;
  }
}

function expectLength(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new TwostageError('REC_ERR_MODEL_INVALID', `${what} have length ${actual}, expected ${expected}`);
}
