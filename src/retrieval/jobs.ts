import type { Config } from '../config/load.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { ModelError, TwostageError } from '../errors.js';
import { getLogger } from '../log.js';
import { openModelRegistry } from '../registry/open.js';
import { openArtifactStore, openCandidateStore, openOfflineStore } from '../store/open.js';
import type { ArtifactStore } from '../store/types.js';
import { saveBundleManifest, sourceKey, type RetrievalBundle } from '../registry/retrieval-bundle.js';
import { loadEmbeddingArtifact, newModelVersion, retrievalArtifactKey, saveEmbeddingArtifact, type EmbeddingArtifact } from './artifact.js';
import { precomputeCandidates, type PrecomputeSummary } from './candidates.js';
import { MergedRetriever } from './merge-retriever.js';
import { NumpyRandomState } from './numpy-random.js';
import { svdFromArtifact, svdToArtifact } from './svd/artifact.js';
import type { SvdModel } from './svd/model.js';
import { trainSvd, type EpochReport, type ValidationRatings } from './svd/trainer.js';
import { buildTrainset, type RatingRows } from './svd/trainset.js';

/**
 * The retrieval steps behind `twostage train retrieval`, `twostage candidates` and
 * `twostage recommend --stage retrieval`, over the configured stores.
 *
 * Versions: a model version is `svd-<UTC time>-<hex>`; it is a retrieval bundle under the artifact
 * key `retrieval/<model version>` whose only source is `svd`. A candidate version is `<model version>@<ms since epoch>`, so the
 * model behind the active candidates can be found from the version name.
 */

export interface TrainRetrievalOptions {
  readonly algorithm: string;
  readonly factors: number;
  readonly seed: number;
  readonly epochs?: number;
  /** Fraction of the ratings held out to report (and, with `patience`, stop on) a validation RMSE. */
  readonly validationFraction?: number;
  /** Early-stopping patience in epochs; needs `validationFraction`. */
  readonly patience?: number;
  /** Also precompute a candidate version (not activated) and register it with the model (default true). */
  readonly candidates?: boolean;
  readonly quiet?: boolean;
}

export interface TrainRetrievalSummary {
  readonly algorithm: string;
  readonly modelVersion: string;
  readonly artifactKey: string;
  readonly location: string;
  readonly users: number;
  readonly items: number;
  readonly ratings: number;
  readonly validationRatings: number;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly epochs: readonly EpochReport[];
  readonly keptEpoch: number;
  readonly stoppedEarly: boolean;
  readonly fitSeconds: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly candidates: PrecomputeSummary | null;
  /** Whether the model was registered (staging) in the model registry. */
  readonly registered: boolean;
}

export const RETRIEVAL_ALGORITHMS = ['svd'] as const;

/** Name of the SVD source in the retrieval bundle `train retrieval` writes. */
const SVD_SOURCE = 'svd';

/** Trains a retrieval model on the ingested dataset, stores its artifact and registers it; see the module notes. */
export async function trainRetrieval(config: Config, options: TrainRetrievalOptions): Promise<TrainRetrievalSummary> {
  if (!(RETRIEVAL_ALGORITHMS as readonly string[]).includes(options.algorithm)) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid --algorithm "${options.algorithm}": expected one of ${RETRIEVAL_ALGORITHMS.join(', ')}`);
  }
  const dataset = await readDataset(config);
  const ratingScale = dataset.info.ratingScale;
  if (dataset.info.feedback !== 'explicit' || ratingScale === null) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', `SVD needs explicit ratings, but the ingested dataset (${dataset.info.format}) has implicit feedback; use an implicit retriever (ALS, BPR) instead`);
  }

  const { train, validation } = splitValidation(dataset.interactions, options.validationFraction ?? 0, options.seed);
  const trainset = buildTrainset(train, ratingScale);
  const result = trainSvd(trainset, {
    hyperparameters: { n_factors: options.factors, random_state: options.seed, ...(options.epochs === undefined ? {} : { n_epochs: options.epochs }) },
    validation: validation ?? undefined,
    earlyStopping: options.patience === undefined ? undefined : { patience: options.patience },
    progress: !options.quiet,
  });
  const kept = result.epochs[result.keptEpoch - 1];
  const metrics: Record<string, number> = { fit_seconds: result.fitSeconds, epochs: result.keptEpoch };
  if (kept) metrics.train_rmse = kept.trainRmse;
  if (kept?.validationRmse != null) metrics.validation_rmse = kept.validationRmse;

  const createdAt = Date.now();
  const modelVersion = newModelVersion('svd', createdAt);
  const artifactKey = retrievalArtifactKey(modelVersion);
  const artifacts = await openArtifactStore(config);
  let location: string;
  try {
    location = await saveSvdBundle(artifacts, artifactKey, result.model, dataset, {
      count: config.CANDIDATE_COUNT,
      fallbackSize: config.MAX_TOP_K,
      artifact: svdToArtifact(result.model, { version: modelVersion, dataFingerprint: dataset.info.fingerprint, metrics, createdAt, details: { epochs: result.epochs } }),
    });
  } finally {
    await artifacts.close();
  }

  const candidates = options.candidates === false ? null : await writeCandidates(config, result.model, dataset, modelVersion, false, options.quiet);
  const registered = await registerModel(config, {
    modelVersion,
    artifactKey,
    createdAt,
    metrics,
    dataFingerprint: dataset.info.fingerprint,
    params: { algorithm: 'svd', ...result.model.hyperparameters },
    candidateVersion: candidates?.version ?? null,
  });

  return {
    algorithm: 'svd',
    modelVersion,
    artifactKey,
    location,
    users: trainset.userIds.length,
    items: trainset.itemIds.length,
    ratings: trainset.ratings.rating.length,
    validationRatings: validation?.ratings.length ?? 0,
    hyperparameters: { ...result.model.hyperparameters },
    epochs: result.epochs,
    keptEpoch: result.keptEpoch,
    stoppedEarly: result.stoppedEarly,
    fitSeconds: result.fitSeconds,
    metrics,
    candidates,
    registered,
  };
}

export interface CandidatesJobOptions {
  /** Model version to use; default: the newest SVD artifact. */
  readonly modelVersion?: string;
  readonly activate?: boolean;
  readonly quiet?: boolean;
}

/** Precomputes candidates with a stored SVD model into a new candidate version and (by default) activates it. */
export async function runCandidates(config: Config, options: CandidatesJobOptions = {}): Promise<PrecomputeSummary & { modelVersion: string }> {
  const dataset = await readDataset(config);
  const artifacts = await openArtifactStore(config);
  let model: SvdModel;
  let modelVersion: string;
  try {
    modelVersion = options.modelVersion ?? (await newestSvdVersion(artifacts));
    model = await loadSvd(artifacts, modelVersion);
  } finally {
    await artifacts.close();
  }
  const summary = await writeCandidates(config, model, dataset, modelVersion, options.activate ?? true, options.quiet);
  return { ...summary, modelVersion };
}

/** Returns the model version behind a candidate version named `<model version>@<ms>`, or null for other names. */
export function modelVersionOfCandidates(candidateVersion: string): string | null {
  const at = candidateVersion.lastIndexOf('@');
  return at > 0 ? candidateVersion.slice(0, at) : null;
}

/**
 * Loads an SVD model version from the artifact store: the `svd` source of its retrieval bundle,
 * or the embedding artifact directly under the key for versions written before the bundle.
 */
export async function loadSvd(artifacts: ArtifactStore, modelVersion: string): Promise<SvdModel> {
  const key = retrievalArtifactKey(modelVersion);
  const bundled = sourceKey(key, SVD_SOURCE);
  if (await artifacts.exists(bundled)) return svdFromArtifact(await loadEmbeddingArtifact(artifacts, bundled, 'svd'));
  if (!(await artifacts.exists(key))) {
    throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `retrieval model ${modelVersion} not found: no artifact ${key} in ${artifacts.url}; run twostage train retrieval`);
  }
  return svdFromArtifact(await loadEmbeddingArtifact(artifacts, key, 'svd'));
}

/** Returns the newest SVD model version in the artifact store (version ids sort by creation time). */
export async function newestSvdVersion(artifacts: ArtifactStore): Promise<string> {
  const versions = (await artifacts.listKeys('retrieval/svd-'))
    .map((key) => key.split('/'))
    .filter((parts) => parts.length === 2 || (parts.length === 4 && parts[2] === 'sources' && parts[3] === SVD_SOURCE))
    .map((parts) => parts[1]);
  const newest = versions.sort().at(-1);
  if (!newest) throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `no SVD model in ${artifacts.url}: run twostage train retrieval first`);
  return newest;
}

/**
 * Writes an SVD model as a retrieval bundle whose only source is `svd`, with the whole candidate
 * count as its quota, so serving and `models promote` load it like a pipeline version. Unknown
 * users get the SVD's own unknown-user order, μ + b_i. Returns the store's location of the source.
 */
async function saveSvdBundle(
  artifacts: ArtifactStore,
  key: string,
  model: SvdModel,
  dataset: Dataset,
  options: { count: number; fallbackSize: number; artifact: EmbeddingArtifact },
): Promise<string> {
  const merged = new MergedRetriever([{ model, quota: options.count }], options.count);
  const unknown = merged.retrieve({ userId: '' }).candidates.slice(0, options.fallbackSize);
  const location = await saveEmbeddingArtifact(artifacts, sourceKey(key, SVD_SOURCE), options.artifact);
  const bundle: RetrievalBundle = {
    format: 'twostage-retrieval-bundle',
    version: 1,
    feedback: dataset.info.feedback,
    candidateCount: options.count,
    sources: [{ name: SVD_SOURCE, quota: options.count }],
    fallback: unknown.map((c) => ({ itemId: c.itemId, score: c.score })),
    fallbackMethod: 'SVD unknown-user scores (global mean + item bias)',
    dataTime: latestTime(dataset.interactions.timestamp),
  };
  await saveBundleManifest(artifacts, key, bundle);
  return location;
}

export function latestTime(timestamps: Float64Array): number | undefined {
  let latest = -Infinity;
  for (const t of timestamps) if (Number.isFinite(t) && t > latest) latest = t;
  return Number.isFinite(latest) ? latest : undefined;
}

export async function readDataset(config: Config): Promise<Dataset> {
  const offline = await openOfflineStore(config);
  try {
    return await loadDataset(offline);
  } finally {
    await offline.close();
  }
}

async function writeCandidates(config: Config, model: SvdModel, dataset: Dataset, modelVersion: string, activate: boolean, quiet?: boolean): Promise<PrecomputeSummary> {
  const store = await openCandidateStore(config);
  try {
    return await precomputeCandidates(store, model, dataset.interactions, {
      version: `${modelVersion}@${Date.now()}`,
      count: config.CANDIDATE_COUNT,
      activate,
      progress: !quiet,
    });
  } finally {
    await store.close();
  }
}

export async function registerModel(
  config: Config,
  record: {
    modelVersion: string;
    artifactKey: string;
    createdAt: number;
    metrics: Record<string, number>;
    dataFingerprint: string;
    params: Record<string, unknown>;
    candidateVersion: string | null;
  },
): Promise<boolean> {
  const opened = await openModelRegistry(config);
  try {
    await opened.registry.register({
      kind: 'retrieval',
      version: record.modelVersion,
      params: record.params,
      metrics: record.metrics,
      dataFingerprint: record.dataFingerprint,
      artifactKey: record.artifactKey,
      candidateVersion: record.candidateVersion,
      createdAt: record.createdAt,
    });
    return true;
  } catch (error) {
    // The artifact is complete and usable without the registry, so a registry failure is reported, not fatal.
    getLogger().error({ err: error, version: record.modelVersion }, 'failed to register retrieval model');
    return false;
  } finally {
    await opened.close();
  }
}

/**
 * Splits the rated interactions into training rows (every interaction, so invalid ratings stay
 * NaN and are skipped by the trainset) and a validation set: each valid rating is held out with
 * probability `fraction`, drawn from numpy's RandomState(seed).
 */
export function splitValidation(rows: RatingRows, fraction: number, seed: number): { train: RatingRows; validation: ValidationRatings | null } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid validation fraction ${fraction}: expected a number in [0, 1)`);
  }
  if (fraction === 0) return { train: rows, validation: null };
  const random = new NumpyRandomState(seed);
  const rating = rows.rating.slice();
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const ratings: number[] = [];
  for (let j = 0; j < rating.length; j++) {
    if (Number.isNaN(rating[j]) || random.randomSample() >= fraction) continue;
    userIds.push(rows.userIds[rows.user[j]]);
    itemIds.push(rows.itemIds[rows.item[j]]);
    ratings.push(rating[j]);
    rating[j] = Number.NaN;
  }
  return { train: { ...rows, rating }, validation: { userIds, itemIds, ratings } };
}
