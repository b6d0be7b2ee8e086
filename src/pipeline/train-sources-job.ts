import type { Config } from '../config/load.js';
import { parseRetrievalSources, type RetrievalSourceShare } from '../config/retrieval-sources.js';
import { TwostageError } from '../errors.js';
import { saveRetrievalBundle, type RetrievalBundle } from '../registry/retrieval-bundle.js';
import { newModelVersion, retrievalArtifactKey } from '../retrieval/artifact.js';
import { latestTime, readDataset, registerModel, type TrainRetrievalSummary } from '../retrieval/jobs.js';
import { MergedRetriever } from '../retrieval/merge-retriever.js';
import { openArtifactStore } from '../store/open.js';
import { writeMergedCandidates } from './bundle-candidates.js';
import { buildFallback } from './fallback.js';
import { retrievalShares, sourceOptions, trainSources } from './retrieval-training.js';

/**
 * `twostage train retrieval --algorithm A` for the implicit-feedback sources: `merged` trains the
 * sources of RETRIEVAL_SOURCES as the main job does, and a source name trains that source alone
 * with the whole candidate count. Either way the result is the retrieval bundle the main job
 * writes, registered as staging with a candidate version that `models promote` activates.
 */
export const SOURCE_ALGORITHMS = ['merged', 'als', 'bpr', 'cooccurrence', 'popularity', 'popularity_recent'] as const;

export interface TrainSourcesOptions {
  readonly algorithm: (typeof SOURCE_ALGORITHMS)[number];
  /** Also precompute a candidate version (not activated) and register it with the model. */
  readonly candidates: boolean;
  readonly quiet: boolean;
}

/** Trains, stores and registers a source bundle. The summary has the shape of the SVD job's, with no epochs. */
export async function trainSourceBundle(config: Config, options: TrainSourcesOptions): Promise<TrainRetrievalSummary> {
  const shares = sharesFor(config, options.algorithm);
  const dataset = await readDataset(config);
  const interactions = dataset.interactions;
  if (interactions.user.length === 0) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', 'no interactions to train retrieval on; run twostage ingest first');
  }

  const started = performance.now();
  const trained = await trainSources(interactions, shares, sourceOptions(config, options.quiet));
  const retriever = new MergedRetriever(trained.sources, config.CANDIDATE_COUNT);
  const fallback = buildFallback(interactions, dataset.info.feedback === 'explicit', retriever, config.MAX_TOP_K);
  const fitSeconds = (performance.now() - started) / 1000;

  const createdAt = Date.now();
  const modelVersion = newModelVersion(options.algorithm.replaceAll('_', '-'), createdAt);
  const artifactKey = retrievalArtifactKey(modelVersion);
  const bundle: RetrievalBundle = {
    format: 'twostage-retrieval-bundle',
    version: 1,
    feedback: dataset.info.feedback,
    candidateCount: retriever.count,
    sources: trained.quotas,
    fallback: fallback.items,
    fallbackMethod: fallback.method,
    dataTime: latestTime(interactions.timestamp),
  };
  const artifacts = await openArtifactStore(config);
  const location = `${artifacts.url}/${artifactKey}`;
  try {
    await saveRetrievalBundle(artifacts, artifactKey, bundle, trained.models, { version: modelVersion, dataFingerprint: dataset.info.fingerprint, createdAt });
  } finally {
    await artifacts.close();
  }

  const candidates = options.candidates
    ? await writeMergedCandidates(config, modelVersion, retriever, interactions, { activate: false, quiet: options.quiet, started: performance.now() })
    : null;
  const metrics = { fit_seconds: fitSeconds, users: interactions.userIds.length, items: interactions.itemIds.length };
  const hyperparameters = { sources: trained.quotas, n_factors: config.MF_FACTORS, seed: config.SEED };
  const registered = await registerModel(config, {
    modelVersion,
    artifactKey,
    createdAt,
    metrics,
    dataFingerprint: dataset.info.fingerprint,
    params: { algorithm: options.algorithm, ...hyperparameters, candidateCount: bundle.candidateCount, feedback: bundle.feedback, fallback: bundle.fallbackMethod },
    candidateVersion: candidates?.version ?? null,
  });

  return {
    algorithm: options.algorithm,
    modelVersion,
    artifactKey,
    location,
    users: interactions.userIds.length,
    items: interactions.itemIds.length,
    ratings: interactions.user.length,
    validationRatings: 0,
    hyperparameters,
    epochs: [],
    keptEpoch: 0,
    stoppedEarly: false,
    fitSeconds,
    metrics,
    candidates,
    registered,
  };
}

/** RETRIEVAL_SOURCES for `merged`, else the one named source with every candidate slot. */
function sharesFor(config: Config, algorithm: TrainSourcesOptions['algorithm']): RetrievalSourceShare[] {
  if (algorithm !== 'merged') return parseRetrievalSources(`${algorithm}:1`);
  const shares = retrievalShares(config);
  const svd = shares.find((s) => s.source === 'svd' && s.share > 0);
  if (svd) {
    throw new TwostageError(
      'REC_ERR_CONFIG_INVALID',
      `RETRIEVAL_SOURCES gives svd a share of ${svd.share}, but a merged bundle cannot contain SVD yet; set svd:0, or train SVD alone with --algorithm svd`,
    );
  }
  return shares;
}
