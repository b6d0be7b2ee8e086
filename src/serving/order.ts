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
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0;
}

function compareDescending(a: number, b: number): number {
  const aNaN = a !== a;
  const bNaN = b !== b;
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  return a === b ? 0 : b > a ? 1 : -1;
}
