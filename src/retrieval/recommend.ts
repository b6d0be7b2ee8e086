import type { Config } from '../config/load.js';
import { openArtifactStore, openCandidateStore } from '../store/open.js';
import { loadSvd, modelVersionOfCandidates, newestSvdVersion, readDataset } from './jobs.js';
import { SelectionHeap, selectTopK, tieRanks } from './top-k/select.js';
import type { SvdModel } from './svd/model.js';

/**
 * One user's retrieval-stage recommendations, in order of preference:
 * 1. the user's list in the active candidate version (`candidate_store`);
 * 2. scored now with the model behind that version, or the newest SVD model when no version is
 *    active (`model`), excluding the user's interactions;
 * 3. for a user the model has no row for, items by μ + b_i, minus any items the user interacted
 *    with (`unknown_user_fallback`, `personalized` false).
 */

export type RetrievalSource = 'candidate_store' | 'model' | 'unknown_user_fallback';

export interface RetrievalRecommendations {
  readonly userId: string;
  readonly items: readonly { readonly itemId: string; readonly score: number }[];
  readonly source: RetrievalSource;
  readonly personalized: boolean;
  readonly modelVersion: string | null;
  readonly candidateVersion: string | null;
}

export async function recommendFromRetrieval(config: Config, userId: string, topK: number): Promise<RetrievalRecommendations> {
  const candidates = await openCandidateStore(config);
  let candidateVersion: string | null;
  try {
    candidateVersion = await candidates.activeVersion();
    const stored = candidateVersion === null ? null : await candidates.get(userId, candidateVersion);
    if (stored) {
      return {
        userId,
        items: stored.slice(0, topK).map((c) => ({ itemId: c.itemId, score: c.score })),
        source: 'candidate_store',
        personalized: true,
        modelVersion: candidateVersion === null ? null : modelVersionOfCandidates(candidateVersion),
        candidateVersion,
      };
    }
  } finally {
    await candidates.close();
  }

  const artifacts = await openArtifactStore(config);
  let model: SvdModel;
  let modelVersion: string;
  try {
    modelVersion = (candidateVersion === null ? null : modelVersionOfCandidates(candidateVersion)) ?? (await newestSvdVersion(artifacts));
    model = await loadSvd(artifacts, modelVersion);
  } finally {
    await artifacts.close();
  }
  const u = model.userIndex(userId);
  const items = await scoreOneUser(config, model, userId, u, topK);
  return {
    userId,
    items,
    source: u >= 0 ? 'model' : 'unknown_user_fallback',
    personalized: u >= 0,
    modelVersion,
    candidateVersion,
  };
}

/** Scores every item for one user (u = −1: unknown) in float64 and keeps the best `topK` unseen ones. */
async function scoreOneUser(config: Config, model: SvdModel, userId: string, u: number, topK: number): Promise<{ itemId: string; score: number }[]> {
  const nItems = model.itemIds.length;
  const scores = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) scores[i] = model.estimate(u, i);

  const dataset = await readDataset(config);
  const { interactions } = dataset;
  const datasetUser = interactions.userIds.indexOf(userId);
  if (datasetUser >= 0) {
    for (let j = 0; j < interactions.user.length; j++) {
      if (interactions.user[j] !== datasetUser) continue;
      const i = model.itemIndex(interactions.itemIds[interactions.item[j]]);
      if (i >= 0) scores[i] = Number.NaN;
    }
  }

  const k = Math.min(topK, nItems);
  const out = new Int32Array(k);
  const count = selectTopK(scores, 0, nItems, k, tieRanks(model.itemIds), new SelectionHeap(k), out, 0);
  return Array.from(out.subarray(0, count), (i) => ({ itemId: model.itemIds[i], score: scores[i] }));
}
