import type { RetrievalModel } from '../types.js';
import { TwostageError } from '../../errors.js';
import { IdMappedModel } from './id-index.js';

export type PopularityKind = 'popularity' | 'popularity_recent';

/**
 * Non-personalized retrieval: every user, known or not, gets the same item scores (distinct users
 * per item over the whole training window for `popularity`, over a recent window for
 * `popularity_recent`). Ties are broken by item id like every other source.
 */
export class PopularityRetrievalModel extends IdMappedModel implements RetrievalModel {
  readonly kind: PopularityKind;
  /** Score per item, shape [items]. */
  readonly scores: Float32Array;
  readonly parameters: Readonly<Record<string, unknown>>;

  constructor(init: { kind: PopularityKind; userIds: readonly string[]; itemIds: readonly string[]; scores: Float32Array; parameters?: Readonly<Record<string, unknown>> }) {
    super(init.userIds, init.itemIds);
    if (init.scores.length !== init.itemIds.length) {
      throw new TwostageError('REC_ERR_MODEL_INVALID', `${init.kind} has ${init.scores.length} scores for ${init.itemIds.length} items`);
    }
    this.kind = init.kind;
    this.scores = init.scores;
    this.parameters = init.parameters ?? {};
  }

  scoreUser(_userIndex: number, out: Float32Array): void {
    out.set(this.scores);
  }

  scoreUnknownUser(out: Float32Array): void {
    out.set(this.scores);
  }
}
