/**
 * Top-K selection of one source's scores for the merge step: the `k` best items by score
 * descending, ties by the item's tie rank ascending (its position in item id order, so ties
 * follow item id like every other list), skipping NaN scores (not a candidate) and excluded items.
 */

/** Position of every item in code-unit order of the ids, shape [itemIds.length]. */
export function itemIdTieRank(itemIds: readonly string[]): Int32Array {
  const byId = (a: number, b: number): number => {
    if (itemIds[a] < itemIds[b]) return -1;
    if (itemIds[a] > itemIds[b]) return 1;
    return a - b;
  };
  const order = itemIds.map((_, i) => i).sort(byId);
  const rank = new Int32Array(itemIds.length);
  for (let p = 0; p < order.length; p++) rank[order[p]] = p;
  return rank;
}

/**
 * Writes the indices of the best `k` items into `out` (best first) and returns how many were
 * written (fewer than k when fewer items qualify). `excluded[i]` = 1 drops item i. Uses a binary
 * min-heap of size k: O(n log k).
 */
export function topKIndices(scores: Float32Array, k: number, tieRank: Int32Array, excluded: Uint8Array | null, out: Int32Array): number {
  const n = scores.length;
  let size = 0;
  // The heap root is the worst kept item: lowest score, then highest tie rank.
  const worse = (a: number, b: number): boolean => scores[a] < scores[b] || (scores[a] === scores[b] && tieRank[a] > tieRank[b]);
  const heap = out;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s) || (excluded !== null && excluded[i] === 1)) continue;
    if (size < k) {
      let c = size++;
      heap[c] = i;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(heap[c], heap[parent])) break;
        swap(heap, c, parent);
        c = parent;
      }
    } else if (k > 0 && worse(heap[0], i)) {
      heap[0] = i;
      siftDown(heap, 0, size, worse);
    }
  }
  // Heap sort in place: repeatedly move the worst to the end, leaving best first.
  for (let end = size - 1; end > 0; end--) {
    swap(heap, 0, end);
    siftDown(heap, 0, end, worse);
  }
  return size;
}

function siftDown(heap: Int32Array, start: number, size: number, worse: (a: number, b: number) => boolean): void {
  let c = start;
  for (;;) {
    const left = 2 * c + 1;
    if (left >= size) return;
    const right = left + 1;
    const pick = right < size && worse(heap[right], heap[left]) ? right : left;
    if (!worse(heap[pick], heap[c])) return;
    swap(heap, c, pick);
    c = pick;
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
