import type { Interactions } from '../data/types.js';

export type SplitKind = 'temporal' | 'leave-last-out' | 'predefined';

/**
 * A train/test split in the index space of the training part.
 *
 * `train` has its own id lists: the users and items of the training interactions, in order of
 * first appearance there, so items 0 … train.itemIds.length-1 are the catalog. `test.userIds`
 * and `test.itemIds` start with the training lists and continue with the users and items seen
 * only in the test part, so an index below the training length means the same entity in both.
 */
export interface TrainTestSplit {
  readonly kind: SplitKind;
  /** One sentence stating how the split was made, printed next to every figure. */
  readonly description: string;
  readonly train: Interactions;
  readonly test: Interactions;
  /**
   * Time (ms) as of which each user's test period begins, indexed like `test.userIds`: the global
   * cut for a temporal split, the user's first held-out event otherwise, NaN without test events.
   * Features for test rows are read as of this time.
   */
  readonly testStart: Float64Array;
  /** Global cut time (ms) of a temporal split: train events before it, test events from it. */
  readonly cutTime: number | null;
}

/** How to split, as chosen on the command line or by the caller. */
export type SplitOptions =
  | { readonly kind: 'temporal'; readonly cutTime?: number; readonly quantile?: number }
  | { readonly kind: 'leave-last-out'; readonly count?: number }
  | { readonly kind: 'predefined'; readonly trainFile: string; readonly testFile: string };

/** Share of events before the cut in a temporal split without an explicit cut time. */
export const DEFAULT_TEMPORAL_QUANTILE = 0.8;

/** Interactions per user held out by leave-last-out when the caller gives no count. */
export const DEFAULT_LEAVE_OUT_COUNT = 1;
