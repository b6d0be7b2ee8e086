import type { EvaluationModel, FitContext, FittedModel, LossPoint } from '../model-types.js';

/** Final lists of the two-stage model for the users it was asked to score. */
export interface TwoStageLists {
  /** Training user index per list. */
  readonly users: Int32Array;
  /** List r is items[offsets[r] … offsets[r+1]): catalog item indices in final serving order. */
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  /** Retrieval score of each listed item, parallel to `items`. */
  readonly retrievalScores: Float32Array;
  readonly trainingLoss?: { readonly name: string; readonly points: readonly LossPoint[] };
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Trains retrieval and the ranker on `context.train` and returns, for each of `users`, the
 * retrieved candidates ordered as serving orders them (ranker score, then retrieval score, then
 * item id). Features must be read as of `context.scoringTime[user]`.
 */
export type TwoStageTrainer = (context: FitContext, users: Int32Array) => Promise<TwoStageLists>;

/**
 * Wraps a two-stage trainer as an evaluation model. Feature reads are asynchronous, so lists are
 * computed once at fit time for the users with a scoring time (those with held-out events). The
 * score of a listed item encodes its final position and unlisted items are NaN, so the evaluation
 * reproduces the served order exactly.
 */
export function createTwoStageModel(name: string, description: string, train: TwoStageTrainer): EvaluationModel {
  return {
    name,
    description,
    async fit(context): Promise<FittedModel> {
      const users: number[] = [];
      for (let u = 0; u < context.scoringTime.length; u++) if (Number.isFinite(context.scoringTime[u])) users.push(u);
      const lists = await train(context, Int32Array.from(users));
      return fittedFromLists(lists, context.train.userIds.length);
    },
  };
}

function fittedFromLists(lists: TwoStageLists, userCount: number): FittedModel {
  const rowOfUser = new Int32Array(userCount).fill(-1);
  lists.users.forEach((user, row) => {
    rowOfUser[user] = row;
  });
  const write = (user: number, out: Float32Array, value: (position: number, length: number, p: number) => number) => {
    out.fill(Number.NaN);
    const row = rowOfUser[user];
    if (row < 0) return;
    const start = lists.offsets[row];
    const length = lists.offsets[row + 1] - start;
    for (let position = 0; position < length; position++) out[lists.items[start + position]] = value(position, length, start + position);
  };
  return {
    scoreUser: (user, out) => write(user, out, (position, length) => length - position),
    scoreCandidates: (user, out) => write(user, out, (_position, _length, p) => lists.retrievalScores[p]),
    trainingLoss: lists.trainingLoss,
    details: lists.details,
  };
}
