import type { Config } from '../config/load.js';
import { TwostageError } from '../errors.js';
import type { Logger } from '../log.js';
import { ModelRegistry } from '../registry/registry.js';
import { openArtifactStore, openCandidateStore, openOnlineStore, openRegistryStore } from '../store/open.js';
import { createFeatureReader } from './feature-reader.js';
import { ModelHolder } from './model-holder.js';
import { recommend } from './recommend.js';
import { defaultModelLoader } from './server.js';
import type { RecommendationResponse } from './types.js';

/**
 * Computes one user's response in this process on the production models, by the same path as
 * `POST /recommendations` (for `twostage recommend --stage full`).
 */
export async function recommendOffline(config: Config, log: Logger, userId: string, topK: number): Promise<RecommendationResponse> {
  const registryStore = await openRegistryStore(config);
  const artifacts = await openArtifactStore(config);
  const candidates = await openCandidateStore(config);
  const online = await openOnlineStore(config);
  try {
    const holder = new ModelHolder(new ModelRegistry(registryStore), defaultModelLoader(artifacts, config.MAX_TOP_K), log);
    await holder.refresh();
    const failure = holder.loadFailures.get('retrieval') ?? holder.loadFailures.get('ranker');
    if (failure) throw new TwostageError('REC_ERR_MODEL_INVALID', `failed to load model version ${failure.version}: ${failure.message}`);
    return await recommend(
      { candidates, features: createFeatureReader(online), models: () => holder.current, storeTimeoutMs: config.STORE_TIMEOUT_MS, candidateCount: config.CANDIDATE_COUNT, log },
      userId,
      topK,
    );
  } finally {
    await online.close();
    await candidates.close();
    await artifacts.close();
    await registryStore.close();
  }
}
