import { compareCodeUnits } from '../retrieval/types.js';

/**
 * Final order of a response: ranker score descending, then retrieval score descending, then item
 * id ascending (code-unit order). Tree models give many candidates the same score, and the
 * candidate read order is not guaranteed, so every tie is broken by data, never by arrival order.
 * A NaN score sorts after every number.
 */
export function compareRanked(
  a: { score: number; retrievalScore: number; itemId: string },
  b: { score: number; retrievalScore: number; itemId: string },
): number {
  const byScore = compareDescending(a.score, b.score);
  if (byScore !== 0) return byScore;
  const byRetrieval = compareDescending(a.retrievalScore, b.retrievalScore);
  if (byRetrieval !== 0) return byRetrieval;
  return compareCodeUnits(a.itemId, b.itemId);
}

function compareDescending(a: number, b: number): number {
  const aNaN = a !== a;
  const bNaN = b !== b;
  if (aNaN && bNaN) return 0;
  if (aNaN) return 1;
  if (bNaN) return -1;
  if (a === b) return 0;
  return b > a ? 1 : -1;
}
