import type { RetrievalModel } from '../../src/retrieval/types.js';

/**
 * A RetrievalModel over a fixed score table, for serving tests that need exact, hand-chosen
 * retrieval scores: `scores[user][item]`, and `unknown[item]` for users the model never saw.
 */
export class TableRetrievalModel implements RetrievalModel {
  readonly kind = 'table';
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];

  constructor(
    private readonly scores: Readonly<Record<string, Readonly<Record<string, number>>>>,
    private readonly unknown: Readonly<Record<string, number>>,
  ) {
    this.userIds = Object.keys(scores);
    this.itemIds = Object.keys(unknown);
  }

  userIndex(userId: string): number {
    return this.userIds.indexOf(userId);
  }

  itemIndex(itemId: string): number {
    return this.itemIds.indexOf(itemId);
  }

  scoreUser(userIndex: number, out: Float32Array): void {
    const row = this.scores[this.userIds[userIndex]];
    this.itemIds.forEach((item, i) => {
      out[i] = row[item] ?? Number.NaN;
    });
  }

  scoreUnknownUser(out: Float32Array): void {
    this.itemIds.forEach((item, i) => {
      out[i] = this.unknown[item];
    });
  }
}
