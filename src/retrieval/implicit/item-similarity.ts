import { TwostageError } from '../../errors.js';
import { csrNnz, transposeCsr, type CsrMatrix } from './csr.js';

/**
 * Item-to-item co-occurrence ("users who interacted with X also interacted with Y"), normalized
 * by cosine: sim(i, j) = sum_u v_ui v_uj / (|v_i| |v_j|) over the user-value columns v_i of the
 * users x items matrix (with binary values, the number of shared users divided by the geometric
 * mean of both item counts). Each item keeps its `neighbours` most similar other items.
 */
export interface ItemNeighbours {
  readonly items: number;
  /** Neighbour lists in CSR form: item i's neighbours are `indices[indptr[i] .. indptr[i + 1])`, best first. */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  /** Cosine similarity per neighbour, in (0, 1]. */
  readonly similarity: Float32Array;
}

/**
 * Computes the top-`neighbours` cosine neighbours of every item, the item itself excluded. Ties
 * are broken by the smaller item index. Cost: sum over users of (items per user)^2 additions,
 * plus an insertion into a buffer of `neighbours` entries per touched item.
 */
export function cosineNeighbours(userItems: CsrMatrix, neighbours: number): ItemNeighbours {
  if (!Number.isInteger(neighbours) || neighbours < 1) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `co-occurrence neighbours must be an integer >= 1, got ${neighbours}`);
  }
  const itemUsers = transposeCsr(userItems);
  const items = userItems.cols;

  const norm = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    let sum = 0;
    for (let k = itemUsers.indptr[i]; k < itemUsers.indptr[i + 1]; k++) sum += itemUsers.data[k] * itemUsers.data[k];
    norm[i] = Math.sqrt(sum);
  }

  // For item i, accumulate dot products with every item that shares a user with it.
  const dots = new Float64Array(items);
  const touched = new Int32Array(items);
  const indptr = new Int32Array(items + 1);
  const lists: Array<{ indices: Int32Array; similarity: Float32Array }> = [];
  const capacity = Math.min(neighbours, Math.max(items - 1, 1));
  const bestSim = new Float64Array(capacity);
  const bestItem = new Int32Array(capacity);
  let total = 0;
  for (let i = 0; i < items; i++) {
    let touchedCount = 0;
    for (let k = itemUsers.indptr[i]; k < itemUsers.indptr[i + 1]; k++) {
      const u = itemUsers.indices[k];
      const vi = itemUsers.data[k];
      for (let q = userItems.indptr[u]; q < userItems.indptr[u + 1]; q++) {
        const j = userItems.indices[q];
        if (j === i) continue;
        if (dots[j] === 0) touched[touchedCount++] = j;
        dots[j] += vi * userItems.data[q];
      }
    }
    // Keep the best `capacity` items in a sorted buffer (insertion), cheaper than sorting all touched items.
    let kept = 0;
    for (let t = 0; t < touchedCount; t++) {
      const j = touched[t];
      const sim = dots[j] / (norm[i] * norm[j]);
      if (kept === capacity && !better(sim, j, bestSim[kept - 1], bestItem[kept - 1])) continue;
      let at = kept < capacity ? kept++ : kept - 1;
      while (at > 0 && better(sim, j, bestSim[at - 1], bestItem[at - 1])) {
        bestSim[at] = bestSim[at - 1];
        bestItem[at] = bestItem[at - 1];
        at--;
      }
      bestSim[at] = sim;
      bestItem[at] = j;
    }
    const list = { indices: bestItem.slice(0, kept), similarity: Float32Array.from(bestSim.subarray(0, kept)) };
    for (let t = 0; t < touchedCount; t++) dots[touched[t]] = 0;
    lists.push(list);
    total += kept;
    indptr[i + 1] = total;
  }

  const indices = new Int32Array(total);
  const similarity = new Float32Array(total);
  for (let i = 0; i < items; i++) {
    indices.set(lists[i].indices, indptr[i]);
    similarity.set(lists[i].similarity, indptr[i]);
  }
  return { items, indptr, indices, similarity };
}

/** Higher similarity first, then the smaller item index. */
function better(sim: number, item: number, otherSim: number, otherItem: number): boolean {
  return sim > otherSim || (sim === otherSim && item < otherItem);
}

/**
 * Scores every item for a user with the given history: score_j = sum over history items i of
 * weight_i * sim(i, j), over the kept neighbour lists. Items no history item reaches get NaN
 * (not recommended). `out` has length `neighbours.items`.
 */
export function scoreFromNeighbours(neighbours: ItemNeighbours, history: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array): void {
  out.fill(NaN);
  for (let h = 0; h < history.length; h++) {
    const i = history[h];
    if (i < 0 || i >= neighbours.items) continue;
    const w = weights === null ? 1 : weights[h];
    for (let k = neighbours.indptr[i]; k < neighbours.indptr[i + 1]; k++) {
      const j = neighbours.indices[k];
      const add = w * neighbours.similarity[k];
      out[j] = Number.isNaN(out[j]) ? add : out[j] + add;
    }
  }
}

/** Number of neighbour entries kept (for logs and manifests). */
export function neighbourCount(n: ItemNeighbours): number {
  return n.indptr[n.items];
}

export { csrNnz };
