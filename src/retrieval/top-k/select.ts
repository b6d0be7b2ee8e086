/**
 * Top-K selection in the candidate order: score descending, then tie rank ascending (the item id's
 * position in code-unit order, so ties resolve as `compareScoredItems` does). NaN scores are not
 * eligible (excluded items are marked NaN).
 */

/** Returns, per dense item index, its position when raw ids are sorted in code-unit order. */
export function tieRanks(itemIds: readonly string[]): Int32Array {
  const order = Array.from(itemIds.keys()).sort((a, b) => (itemIds[a] < itemIds[b] ? -1 : itemIds[a] > itemIds[b] ? 1 : a - b));
  const rank = new Int32Array(itemIds.length);
  order.forEach((item, position) => {
    rank[item] = position;
  });
  return rank;
}

/**
 * Writes the best `k` items of scores[offset … offset + n) (item i at offset + i) into
 * `outItems[outStart …]`, best first, and returns how many were written (fewer than k when fewer
 * items are eligible). `heap` is scratch of length ≥ k, so the call allocates nothing.
 */
export function selectTopK(
  scores: Float64Array,
  offset: number,
  n: number,
  k: number,
  tieRank: Int32Array,
  heap: Int32Array,
  outItems: Int32Array,
  outStart: number,
): number {
  // Min-heap by quality: heap[0] is the worst item kept so far, its score cached in worstScore.
  let size = 0;
  let worstScore = -Infinity;
  for (let item = 0; item < n; item++) {
    const score = scores[offset + item];
    if (size === k) {
      // Most items lose to the worst kept one; check that before anything else.
      if (score < worstScore || score !== score) continue;
      if (score === worstScore && tieRank[item] > tieRank[heap[0]]) continue;
      siftDown(heap, item, size, scores, offset, tieRank);
      worstScore = scores[offset + heap[0]];
      continue;
    }
    if (score !== score) continue;
    let child = size++;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!worse(item, heap[parent], scores, offset, tieRank)) break;
      heap[child] = heap[parent];
      child = parent;
    }
    heap[child] = item;
    if (size === k) worstScore = scores[offset + heap[0]];
  }

  // Pop the worst repeatedly, filling the output from the back.
  const count = size;
  for (let position = count - 1; position >= 0; position--) {
    outItems[outStart + position] = heap[0];
    size--;
    if (size > 0) siftDown(heap, heap[size], size, scores, offset, tieRank);
  }
  return count;
}

/** True when item a ranks below item b. */
function worse(a: number, b: number, scores: Float64Array, offset: number, tieRank: Int32Array): boolean {
  const sa = scores[offset + a];
  const sb = scores[offset + b];
  return sa < sb || (sa === sb && tieRank[a] > tieRank[b]);
}

/** Places `item` at the root and sifts it down a heap of `size` entries. */
function siftDown(heap: Int32Array, item: number, size: number, scores: Float64Array, offset: number, tieRank: Int32Array): void {
  let parent = 0;
  for (;;) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(heap[child + 1], heap[child], scores, offset, tieRank)) child++;
    if (!worse(heap[child], item, scores, offset, tieRank)) break;
    heap[parent] = heap[child];
    parent = child;
  }
  heap[parent] = item;
}
