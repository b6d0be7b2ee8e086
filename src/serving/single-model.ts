import type { FeedbackKind } from '../data/types.js';
import { selectTopK, tieRankByItemId } from '../eval/top-k.js';
import type { RetrievalModel } from '../retrieval/types.js';
import type { Candidate } from '../store/types.js';
import { buildFallbackList } from './fallback.js';
import type { LoadedRetrieval, ScoredItem } from './types.js';

/**
 * Serves one RetrievalModel: a user is known when the model has a dense index for them, and
 * on-the-fly candidates are the model's top scores with the history removed. The fallback is the
 * model's unknown-user order unless one is given.
 */
export function singleModelRetrieval(
  model: RetrievalModel,
  info: { version: string; candidateVersion: string | null; feedback: FeedbackKind; maxTopK: number; fallback?: readonly ScoredItem[]; dataTime?: number },
): LoadedRetrieval {
  const tieRank = tieRankByItemId(model.itemIds);
  return {
    version: info.version,
    candidateVersion: info.candidateVersion,
    feedback: info.feedback,
    dataTime: info.dataTime ?? null,
    fallback: info.fallback ?? buildFallbackList(model, info.maxTopK),
    knowsUser: (userId) => model.userIndex(userId) >= 0,
    retrieve(userId, history, count) {
      const userIndex = model.userIndex(userId);
      if (userIndex < 0) return [];
      const scores = new Float32Array(model.itemIds.length);
      model.scoreUser(userIndex, scores);
      for (const itemId of history) {
        const index = model.itemIndex(itemId);
        if (index >= 0) scores[index] = Number.NaN;
      }
      const top = new Int32Array(Math.min(count, scores.length));
      const found = selectTopK(scores, top.length, tieRank, top);
      const candidates: Candidate[] = [];
      for (let i = 0; i < found; i++) candidates.push({ itemId: model.itemIds[top[i]], score: scores[top[i]] });
      return candidates;
    },
  };
}
