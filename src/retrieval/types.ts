/**
 * The predictor interface every retrieval source implements (SVD, ALS, BPR, co-occurrence,
 * popularity). Training code produces one; serving and evaluation only call it, so offline
 * numbers measure exactly what the API serves.
 */
export interface RetrievalModel {
  /** Source name, such as `svd`, `als`, `bpr`, `cooccurrence`, `popularity`. */
  readonly kind: string;
  /** Raw user ids by dense user index, as trained. */
  readonly userIds: readonly string[];
  /** Raw item ids by dense item index, as trained; candidates come only from these. */
  readonly itemIds: readonly string[];
  /** Dense index of a raw user id, or -1 when the model never saw the user. */
  userIndex(userId: string): number;
  /** Dense index of a raw item id, or -1. */
  itemIndex(itemId: string): number;
  /**
   * Writes the retrieval score of every item for one known user into `out` (length
   * `itemIds.length`); higher is better and scores are unclipped.
   */
  scoreUser(userIndex: number, out: Float32Array): void;
  /**
   * Writes the score of every item for a user with no trained state (unknown user); the same for
   * every such user. Sources without a non-personalized score (item-item) write NaN.
   */
  scoreUnknownUser(out: Float32Array): void;
}

/** Ordering rule for candidates and final lists: score descending, then item id ascending (code-unit order). */
export function compareScoredItems(a: { score: number; itemId: string }, b: { score: number; itemId: string }): number {
  if (a.score !== b.score) return b.score > a.score ? 1 : -1;
  return compareCodeUnits(a.itemId, b.itemId);
}

/** Compares two ids by UTF-16 code units, the tie-break order of every list (not locale order). */
export function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
