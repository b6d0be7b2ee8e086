import { compareScoredItems } from '../types.js';
import { FactorRetrievalModel } from './factor-model.js';
import { ItemItemRetrievalModel } from './item-item-model.js';

export interface SimilarItem {
  readonly itemId: string;
  readonly score: number;
}

/** Item norms per factor matrix, computed on first use. */
const normCache = new WeakMap<Float32Array, Float64Array>();

/**
 * Returns up to `k` items most similar to `itemId`, the item itself excluded, ordered by score
 * descending and then item id ascending; `null` when the model does not know the item.
 * Factor models (ALS, BPR) score by cosine similarity of item factor rows (BPR without its bias
 * column); the co-occurrence model returns its stored neighbour list.
 */
export function similarItems(model: FactorRetrievalModel | ItemItemRetrievalModel, itemId: string, k: number): SimilarItem[] | null {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const item = model.itemIndex(itemId);
  if (item < 0) return null;

  const scored: SimilarItem[] = [];
  if (model instanceof ItemItemRetrievalModel) {
    const { indptr, indices, similarity } = model.neighbours;
    for (let p = indptr[item]; p < indptr[item + 1]; p++) scored.push({ itemId: model.itemIds[indices[p]], score: similarity[p] });
  } else {
    const width = model.width;
    // BPR rows end with an item bias, which carries no similarity information.
    const used = model.kind === 'bpr' ? width - 1 : width;
    const y = model.itemFactors;
    const norms = itemNorms(y, model.itemIds.length, width, used);
    const base = item * width;
    for (let j = 0; j < model.itemIds.length; j++) {
      if (j === item || norms[j] === 0 || norms[item] === 0) continue;
      let dot = 0;
      for (let a = 0; a < used; a++) dot += y[base + a] * y[j * width + a];
      scored.push({ itemId: model.itemIds[j], score: dot / (norms[item] * norms[j]) });
    }
  }
  scored.sort(compareScoredItems);
  return scored.slice(0, k);
}

function itemNorms(y: Float32Array, items: number, width: number, used: number): Float64Array {
  let norms = normCache.get(y);
  if (norms === undefined) {
    norms = new Float64Array(items);
    for (let i = 0; i < items; i++) {
      let sum = 0;
      for (let a = 0; a < used; a++) sum += y[i * width + a] * y[i * width + a];
      norms[i] = Math.sqrt(sum);
    }
    normCache.set(y, norms);
  }
  return norms;
}
