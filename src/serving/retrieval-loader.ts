import { ModelError } from '../errors.js';
import { loadRetrievalBundle } from '../registry/retrieval-bundle.js';
import { MergedRetriever } from '../retrieval/merge-retriever.js';
import type { ArtifactStore, ModelVersionRecord } from '../store/types.js';
import type { LoadedRetrieval } from './types.js';

/**
 * Loads a retrieval version (a bundle of merged sources) for serving. A user is known when any
 * source was trained on them; on-the-fly candidates come from the same merge as the precomputed
 * ones, so both paths give the same list for the same history.
 */
export async function loadRetrievalVersion(artifacts: ArtifactStore, record: ModelVersionRecord, maxTopK: number): Promise<LoadedRetrieval> {
  const files = await artifacts.listFiles(record.artifactKey);
  if (files.length === 0) {
    throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `retrieval version ${record.version}: no artifacts under key ${record.artifactKey} in ${artifacts.url}`);
  }
  const { bundle, sources } = await loadRetrievalBundle(artifacts, record.artifactKey);
  const merged = new MergedRetriever(sources, bundle.candidateCount);
  return {
    version: record.version,
    candidateVersion: record.candidateVersion,
    feedback: bundle.feedback,
    dataTime: typeof bundle.dataTime === 'number' && Number.isFinite(bundle.dataTime) ? bundle.dataTime : null,
    fallback: bundle.fallback.slice(0, maxTopK),
    knowsUser: (userId) => sources.some((s) => s.model.userIndex(userId) >= 0),
    retrieve(userId, history, count) {
      const { candidates } = merged.retrieve({ userId, seenItemIds: [...history] });
      return candidates.slice(0, count);
    },
  };
}
