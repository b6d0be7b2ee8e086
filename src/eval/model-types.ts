import type { Interactions } from '../data/types.js';
import type { Logger } from '../log.js';

/** Training input of a model: the training part of a split and the run's settings, never the held-out interactions. */
export interface FitContext {
  /** Training interactions; their user and item indices are the index space of every score. */
  readonly train: Interactions;
  /**
   * Time (ms) as of which features of each training user are read when scoring, shape
   * [train.userIds.length]: the cut of a temporal split, else the user's first held-out event
   * (NaN for users without one).
   */
  readonly scoringTime: Float64Array;
  /** Global cut time (ms) of a temporal split, null for other splits. */
  readonly cutTime: number | null;
  /** Seed for every random choice, so a run is repeatable. */
  readonly seed: number;
  /** Latent factors for matrix-factorization models. */
  readonly factors: number;
  /** Candidates per user for two-stage models. */
  readonly candidateCount: number;
  /** Declared rating scale [min, max] for explicit ratings; null for implicit feedback. */
  readonly ratingScale: readonly [number, number] | null;
  readonly log: Logger;
}

/** One value of a training loss curve. */
export interface LossPoint {
  /** Epoch, iteration or boosting round, from 1. */
  readonly step: number;
  readonly loss: number;
}

/**
 * A model trained on `train`, in its index space: users 0 … train.userIds.length-1 and
 * catalog items 0 … train.itemIds.length-1.
 */
export interface FittedModel {
  /** Writes a score for every catalog item for a training user; NaN marks an item never recommended. */
  scoreUser(user: number, out: Float32Array): void;
  /** Writes scores for a user without training history; without it such users are not evaluated. */
  scoreUnknownUser?(out: Float32Array): void;
  /**
   * Scores of the candidate set a second stage reorders (NaN outside it), for the candidate
   * recall at `candidateCount`: the ceiling a ranker works under.
   */
  scoreCandidates?(user: number, out: Float32Array): void;
  /** Predicted rating of a training user for a catalog item, for RMSE and MAE. */
  predictRating?(user: number, item: number): number;
  /** Training loss by step, with the name of the loss (for example `train RMSE`). */
  readonly trainingLoss?: { readonly name: string; readonly points: readonly LossPoint[] };
  /** Hyperparameters and other facts shown in the report. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A model in the evaluation table: a name and a trainer. Retrieval sources and the two-stage
 * pipeline each contribute one, so a new source joins the same table and the same protocol.
 */
export interface EvaluationModel {
  /** Short unique name shown in tables and charts, such as `popularity` or `svd`. */
  readonly name: string;
  /** One line saying what the model ranks by. */
  readonly description: string;
  fit(context: FitContext): Promise<FittedModel>;
}
