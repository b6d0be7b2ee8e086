import { ModelError } from '../errors.js';
import type { ArtifactStore, ModelVersionRecord } from '../store/types.js';
import type { LoadedRetrieval } from './types.js';

/**
 * Loads a retrieval version from its artifacts and precomputes the non-personalized list for
 * unknown users (`maxTopK` items, so any top_k is a prefix of it).
 */
export async function loadRetrievalVersion(artifacts: ArtifactStore, record: ModelVersionRecord, maxTopK: number): Promise<LoadedRetrieval> {
  const files = await artifacts.listFiles(record.artifactKey);
  if (files.length === 0) {
    throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `retrieval version ${record.version}: no artifacts under key ${record.artifactKey} in ${artifacts.url}`);
  }
  // TODO: dispatch on the artifact manifest once the retrieval artifact loaders exist; until then no version loads.
  throw new ModelError('REC_ERR_MODEL_INVALID', `retrieval version ${record.version}: no loader for the artifacts under ${record.artifactKey} (${files.join(', ')}; at most ${maxTopK} fallback items)`);
}
