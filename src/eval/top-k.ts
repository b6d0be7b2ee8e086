/**
 * Top-K selection over a dense score vector with the serving order: score descending, then the
 * item's tie rank ascending. The tie rank of an item is its position in the code-unit order of
 * raw item ids (see `tieRankByItemId`), so evaluation breaks ties exactly as the API does.
 */

/**
 * Returns, for each dense item index, its position when raw item ids are sorted in code-unit
 * order (the order `compareScoredItems` uses), shape [itemIds.length].
 */
export function tieRankByItemId(itemIds: readonly string[]): Int32Array {
  const order = Array.from(itemIds.keys());
  order.sort((a, b) => {
    if (itemIds[a] < itemIds[b]) return -1;
    if (itemIds[a] > itemIds[b]) return 1;
    return a - b;
  });
  const rank = new Int32Array(itemIds.length);
  for (let position = 0; position < order.length; position++) rank[order[position]] = position;
  return rank;
}

/** Tie rank equal to the dense index, for data whose dense order already is the id order. */
export function identityTieRank(itemCount: number): Int32Array {
  const rank = new Int32Array(itemCount);
  for (let i = 0; i < itemCount; i++) rank[i] = i;
  return rank;
}

/**
 * Writes the indices of the `k` best items of `scores` into `out[0 … count)`, best first, and
 * returns `count` (less than `k` when fewer items are eligible). Items with a NaN score are not
 * eligible; -Infinity is a valid, lowest score. Ties go to the lower `tieRank`. `out` needs
 * length ≥ k and serves as the heap, so the call allocates nothing. Time O(n log k).
 */
export function selectTopK(scores: Float32Array, k: number, tieRank: Int32Array, out: Int32Array): number {
  if (tieRank.length !== scores.length) {
    throw new RangeError(`tieRank has length ${tieRank.length}, expected ${scores.length} (one per item)`);
  }
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (out.length < k) throw new RangeError(`output buffer has length ${out.length}, smaller than k = ${k}`);
  if (k === 0) return 0;

  // Min-heap on quality: out[0] is the worst of the items kept so far.
  let size = 0;
  for (let item = 0; item < scores.length; item++) {
    const score = scores[item];
    if (score !== score) continue;
    if (size < k) {
      out[size] = item;
      siftUp(out, size, scores, tieRank);
      size++;
    } else if (isBetter(item, out[0], scores, tieRank)) {
      out[0] = item;
      siftDown(out, 0, size, scores, tieRank);
    }
  }

  // Heap sort: moving the worst to the end each time leaves the best first.
  for (let end = size - 1; end > 0; end--) {
    const worst = out[0];
    out[0] = out[end];
    out[end] = worst;
    siftDown(out, 0, end, scores, tieRank);
  }
  return size;
}

function isBetter(a: number, b: number, scores: Float32Array, tieRank: Int32Array): boolean {
  const sa = scores[a];
  const sb = scores[b];
  if (sa !== sb) return sa > sb;
  return tieRank[a] < tieRank[b];
}

function siftUp(heap: Int32Array, position: number, scores: Float32Array, tieRank: Int32Array): void {
  const item = heap[position];
  while (position > 0) {
    const parent = (position - 1) >> 1;
    if (!isBetter(heap[parent], item, scores, tieRank)) break;
    heap[position] = heap[parent];
    position = parent;
  }
  heap[position] = item;
}

function siftDown(heap: Int32Array, position: number, size: number, scores: Float32Array, tieRank: Int32Array): void {
  const item = heap[position];
  for (;;) {
    let child = 2 * position + 1;
    if (child >= size) break;
    if (child + 1 < size && isBetter(heap[child], heap[child + 1], scores, tieRank)) child++;
    if (!isBetter(item, heap[child], scores, tieRank)) break;
    heap[position] = heap[child];
    position = child;
  }
  heap[position] = item;
}
