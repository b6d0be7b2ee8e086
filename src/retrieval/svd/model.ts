import { ModelError } from '../../errors.js';
import type { RetrievalModel } from '../types.js';
import type { InnerProductScorer } from '../top-k/types.js';
import type { SvdHyperparameters } from './hyperparameters.js';

/** One rating estimate, Surprise's `Prediction` with the clipping made explicit. */
export interface SvdPrediction {
  readonly userId: string;
  readonly itemId: string;
  /** The estimate before clipping; ranking uses this value. */
  readonly estimate: number;
  /** The estimate clipped to the rating scale, for display. */
  readonly clipped: number;
  /**
   * True when the user or the item is unknown, so the estimate is not personalized (Surprise's
   * `was_impossible`). `reason` then names what was missing.
   */
  readonly wasImpossible: boolean;
  readonly reason: string | null;
}

/** Arrays and settings of a trained SVD model (shapes as in ./kernel.ts). */
export interface SvdModelInit {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly nFactors: number;
  /** User factors p_u, shape [nUsers × nFactors]. */
  readonly pu: Float64Array;
  /** Item factors q_i, shape [nItems × nFactors]. */
  readonly qi: Float64Array;
  /** User biases b_u, shape [nUsers]; zeros when not biased. */
  readonly bu: Float64Array;
  /** Item biases b_i, shape [nItems]; zeros when not biased. */
  readonly bi: Float64Array;
  /** μ; for unbiased models the training mean, used only as the estimate of impossible predictions. */
  readonly globalMean: number;
  readonly biased: boolean;
  readonly ratingScale: readonly [number, number];
  readonly hyperparameters: SvdHyperparameters;
}

/**
 * A trained biased matrix factorization: r̂_ui = μ + b_u + b_i + q_i·p_u.
 *
 * Cold start, as Surprise's `SVD.estimate` for a biased model: an unknown user gets μ + b_i, an
 * unknown item μ + b_u, both unknown μ. Unlike Surprise, which reports such estimates as possible,
 * `predict` marks them `wasImpossible` with a reason. An unbiased model has no fallback but μ.
 *
 * Retrieval score: the unclipped full estimate. Within one user, μ + b_u is a constant, so ranking
 * by the estimate equals ranking by b_i + q_i·p_u: the inner product of [p_u, 1] and [q_i, b_i].
 * `innerProductScorer` exposes that form for the top-K search.
 */
export class SvdModel implements RetrievalModel {
  readonly kind = 'svd';
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly nFactors: number;
  readonly pu: Float64Array;
  readonly qi: Float64Array;
  readonly bu: Float64Array;
  readonly bi: Float64Array;
  readonly globalMean: number;
  readonly biased: boolean;
  readonly ratingScale: readonly [number, number];
  readonly hyperparameters: SvdHyperparameters;
  private readonly userIndexById: Map<string, number>;
  private readonly itemIndexById: Map<string, number>;

  constructor(init: SvdModelInit) {
    const nUsers = init.userIds.length;
    const nItems = init.itemIds.length;
    expectLength('pu', init.pu.length, nUsers * init.nFactors);
    expectLength('qi', init.qi.length, nItems * init.nFactors);
    expectLength('bu', init.bu.length, nUsers);
    expectLength('bi', init.bi.length, nItems);
    this.userIds = init.userIds;
    this.itemIds = init.itemIds;
    this.nFactors = init.nFactors;
    this.pu = init.pu;
    this.qi = init.qi;
    this.bu = init.bu;
    this.bi = init.bi;
    this.globalMean = init.globalMean;
    this.biased = init.biased;
    this.ratingScale = init.ratingScale;
    this.hyperparameters = init.hyperparameters;
    this.userIndexById = indexIds(init.userIds, 'user');
    this.itemIndexById = indexIds(init.itemIds, 'item');
  }

  userIndex(userId: string): number {
    return this.userIndexById.get(userId) ?? -1;
  }

  itemIndex(itemId: string): number {
    return this.itemIndexById.get(itemId) ?? -1;
  }

  /** Returns the unclipped estimate for dense indices, either of which may be −1 (unknown). */
  estimate(u: number, i: number): number {
    const knownUser = u >= 0;
    const knownItem = i >= 0;
    if (!this.biased) return knownUser && knownItem ? this.dot(u, i) : this.globalMean;
    let estimate = this.globalMean;
    if (knownUser) estimate += this.bu[u];
    if (knownItem) estimate += this.bi[i];
    if (knownUser && knownItem) estimate += this.dot(u, i);
    return estimate;
  }

  /** Estimates one rating by raw ids; see the class notes for unknown users and items. */
  predict(userId: string, itemId: string): SvdPrediction {
    const u = this.userIndex(userId);
    const i = this.itemIndex(itemId);
    const estimate = this.estimate(u, i);
    let reason: string | null = null;
    if (u < 0 && i < 0) reason = 'user and item are unknown';
    else if (u < 0) reason = 'user is unknown';
    else if (i < 0) reason = 'item is unknown';
    return { userId, itemId, estimate, clipped: this.clip(estimate), wasImpossible: reason !== null, reason };
  }

  /** Clips an estimate to the rating scale (display only; ranking never uses clipped values). */
  clip(estimate: number): number {
    return Math.min(this.ratingScale[1], Math.max(this.ratingScale[0], estimate));
  }

  scoreUser(userIndex: number, out: Float32Array): void {
    if (!(Number.isInteger(userIndex) && userIndex >= 0 && userIndex < this.userIds.length)) {
      throw new RangeError(`user index ${userIndex} is outside [0, ${this.userIds.length})`);
    }
    expectLength('score output', out.length, this.itemIds.length);
    for (let i = 0; i < this.itemIds.length; i++) out[i] = this.estimate(userIndex, i);
  }

  /** Writes μ + b_i per item (μ for an unbiased model): the estimate for a user without factors. */
  scoreUnknownUser(out: Float32Array): void {
    expectLength('score output', out.length, this.itemIds.length);
    for (let i = 0; i < this.itemIds.length; i++) out[i] = this.estimate(-1, i);
  }

  /**
   * Returns the inner-product form of the retrieval score: user row [p_u, 1], item row [q_i, b_i]
   * (width k + 1) and the per-user offset μ + b_u, so score = userRow·itemRow + offset. The arrays
   * are built on each call.
   */
  innerProductScorer(): InnerProductScorer {
    const k = this.nFactors;
    const width = k + 1;
    const userFactors = new Float64Array(this.userIds.length * width);
    const itemFactors = new Float64Array(this.itemIds.length * width);
    const userOffset = new Float64Array(this.userIds.length);
    for (let u = 0; u < this.userIds.length; u++) {
      userFactors.set(this.pu.subarray(u * k, u * k + k), u * width);
      userFactors[u * width + k] = this.biased ? 1 : 0;
      userOffset[u] = this.biased ? this.globalMean + this.bu[u] : 0;
    }
    for (let i = 0; i < this.itemIds.length; i++) {
      itemFactors.set(this.qi.subarray(i * k, i * k + k), i * width);
      itemFactors[i * width + k] = this.biased ? this.bi[i] : 0;
    }
    return { userFactors, itemFactors, width, userOffset, nUsers: this.userIds.length, nItems: this.itemIds.length };
  }

  private dot(u: number, i: number): number {
    const k = this.nFactors;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += this.qi[i * k + f] * this.pu[u * k + f];
    return dot;
  }
}

function expectLength(name: string, actual: number, expected: number): void {
  if (actual !== expected) throw new ModelError('REC_ERR_MODEL_INVALID', `SVD ${name} has length ${actual}, expected ${expected}`);
}

function indexIds(ids: readonly string[], what: string): Map<string, number> {
  const index = new Map<string, number>();
  ids.forEach((id, position) => {
    if (index.has(id)) throw new ModelError('REC_ERR_MODEL_INVALID', `duplicate ${what} id "${id}" at positions ${index.get(id)} and ${position}`);
    index.set(id, position);
  });
  return index;
}
