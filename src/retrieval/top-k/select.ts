import { compareCodeUnits } from '../types.js';

/**
 * Top-K selection in the candidate order: score descending, then tie rank ascending (the item id's
 * position in code-unit order, so ties resolve as `compareScoredItems` does). NaN scores are not
 * eligible (excluded items are marked NaN).
 */

/** Returns, per dense item index, its position when raw ids are sorted in code-unit order. */
export function tieRanks(itemIds: readonly string[]): Int32Array {
  const order = Array.from(itemIds.keys()).sort((a, b) => compareCodeUnits(itemIds[a], itemIds[b]) || a - b);
  const rank = new Int32Array(itemIds.length);
  order.forEach((item, position) => {
    rank[item] = position;
  });
  return rank;
}

/** Scratch memory of `selectTopK` for up to `k` items, reusable across calls. */
export class SelectionHeap {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  readonly ranks: Int32Array;

  constructor(readonly k: number) {
    this.items = new Int32Array(k);
    this.scores = new Float64Array(k);
    this.ranks = new Int32Array(k);
  }
}

/**
 * Writes the best `k` items of scores[offset … offset + n) (item i at offset + i) into
 * `outItems[outStart …]`, best first, and returns how many were written (fewer than k when fewer
 * items are eligible). `heap` is scratch for at least k items, so the call allocates nothing.
 */
export function selectTopK(
  scores: Float64Array,
  offset: number,
  n: number,
  k: number,
  tieRank: Int32Array,
  heap: SelectionHeap,
  outItems: Int32Array,
  outStart: number,
): number {
  if (heap.k < k) throw new RangeError(`selection heap has room for ${heap.k} items, fewer than k = ${k}`);
  // Min-heap by quality: entry 0 is the worst item kept so far. Scores and tie ranks are copied
  // into the heap so comparisons read no other array.
  const heapItems = heap.items;
  const heapScores = heap.scores;
  const heapRanks = heap.ranks;
  let size = 0;
  for (let item = 0; item < n; item++) {
    const score = scores[offset + item];
    if (size === k) {
      // Most items lose to the worst kept one; check that before anything else.
      if (score < heapScores[0] || score !== score) continue;
      const rank = tieRank[item];
      if (score === heapScores[0] && rank > heapRanks[0]) continue;
      siftDown(heapItems, heapScores, heapRanks, size, item, score, rank);
      continue;
    }
    if (score !== score) continue;
    const rank = tieRank[item];
    let child = size++;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const parentScore = heapScores[parent];
      // Stop when the new item is not worse than its parent.
      if (score > parentScore || (score === parentScore && rank < heapRanks[parent])) break;
      heapItems[child] = heapItems[parent];
      heapScores[child] = parentScore;
      heapRanks[child] = heapRanks[parent];
      child = parent;
    }
    heapItems[child] = item;
    heapScores[child] = score;
    heapRanks[child] = rank;
  }

  // Pop the worst repeatedly, filling the output from the back.
  const count = size;
  for (let position = count - 1; position >= 0; position--) {
    outItems[outStart + position] = heapItems[0];
    size--;
    if (size > 0) siftDown(heapItems, heapScores, heapRanks, size, heapItems[size], heapScores[size], heapRanks[size]);
  }
  return count;
}

/** Places an entry at the root and sifts it down a heap of `size` entries. */
function siftDown(items: Int32Array, scores: Float64Array, ranks: Int32Array, size: number, item: number, score: number, rank: number): void {
  let parent = 0;
  for (;;) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    const right = child + 1;
    if (right < size && (scores[right] < scores[child] || (scores[right] === scores[child] && ranks[right] > ranks[child]))) child = right;
    const childScore = scores[child];
    // Stop when the child is not worse than the entry.
    if (childScore > score || (childScore === score && ranks[child] < rank)) break;
    items[parent] = items[child];
    scores[parent] = childScore;
    ranks[parent] = ranks[child];
    parent = child;
  }
  items[parent] = item;
  scores[parent] = score;
  ranks[parent] = rank;
}
