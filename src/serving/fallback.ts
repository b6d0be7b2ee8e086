import { selectTopK, tieRankByItemId } from '../eval/top-k.js';
import type { RetrievalModel } from '../retrieval/types.js';
import type { ScoredItem } from './types.js';

/**
 * Builds the non-personalized list every unknown user receives: the retrieval model's
 * unknown-user scores (for biased MF, the global mean plus the item bias, as Surprise estimates
 * an unknown user; for popularity, the item's popularity), ordered by score descending then item
 * id ascending, at most `size` items. Items with a NaN score are left out.
 */
export function buildFallbackList(model: RetrievalModel, size: number): ScoredItem[] {
  const scores = new Float32Array(model.itemIds.length);
  model.scoreUnknownUser(scores);
  const top = new Int32Array(Math.min(size, scores.length));
  const count = selectTopK(scores, top.length, tieRankByItemId(model.itemIds), top);
  const list: ScoredItem[] = [];
  for (let i = 0; i < count; i++) list.push({ itemId: model.itemIds[top[i]], score: scores[top[i]] });
  return list;
}
