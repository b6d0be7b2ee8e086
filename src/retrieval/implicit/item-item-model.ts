import type { RetrievalModel } from '../types.js';
import { TwostageError } from '../../errors.js';
import type { CsrMatrix } from './csr.js';
import { IdMappedModel } from './id-index.js';
import { scoreFromNeighbours, type ItemNeighbours } from './item-similarity.js';

export interface ItemItemModelInit {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly neighbours: ItemNeighbours;
  /** Training users x items matrix: the history each known user is scored from. */
  readonly history: CsrMatrix;
  /** Training popularity per item, shape [items]: the order for unknown users. */
  readonly popularity: Float32Array;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * Item-to-item co-occurrence retrieval: a user's score for item j is the sum, over the items i in
 * the user's training history, of value_ui * sim(i, j) over the kept neighbour lists (see
 * cosineNeighbours). Items no history item reaches score NaN, which means "not a candidate".
 * Unknown users get the training popularity order, the same for all of them.
 */
export class ItemItemRetrievalModel extends IdMappedModel implements RetrievalModel {
  readonly kind = 'cooccurrence';
  readonly neighbours: ItemNeighbours;
  readonly history: CsrMatrix;
  readonly popularity: Float32Array;
  readonly parameters: Readonly<Record<string, unknown>>;

  constructor(init: ItemItemModelInit) {
    super(init.userIds, init.itemIds);
    const items = init.itemIds.length;
    if (init.neighbours.items !== items || init.history.cols !== items || init.popularity.length !== items) {
      throw new TwostageError('REC_ERR_MODEL_INVALID', `co-occurrence model parts disagree on the item count: ${items} ids, ${init.neighbours.items} neighbour lists, ${init.history.cols} history columns, ${init.popularity.length} popularity values`);
    }
    if (init.history.rows !== init.userIds.length) {
      throw new TwostageError('REC_ERR_MODEL_INVALID', `co-occurrence history has ${init.history.rows} rows for ${init.userIds.length} users`);
    }
    this.neighbours = init.neighbours;
    this.history = init.history;
    this.popularity = init.popularity;
    this.parameters = init.parameters ?? {};
  }

  scoreUser(userIndex: number, out: Float32Array): void {
    this.checkUserIndex(userIndex);
    const start = this.history.indptr[userIndex];
    const end = this.history.indptr[userIndex + 1];
    scoreFromNeighbours(this.neighbours, this.history.indices.subarray(start, end), this.history.data.subarray(start, end), out);
  }

  scoreUnknownUser(out: Float32Array): void {
    out.set(this.popularity);
  }

  /** Scores every item for a history given at request time (item indices with their values). */
  scoreHistory(itemIndices: ArrayLike<number>, values: ArrayLike<number> | null, out: Float32Array): void {
    scoreFromNeighbours(this.neighbours, itemIndices, values, out);
  }
}
