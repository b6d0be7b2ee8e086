import type { Config } from '../config/load.js';
import { ingestFiles, loadDataset, type Dataset, type IngestOptions } from '../data/dataset.js';
import { SAMPLE_DATA_PATH } from '../data/sample.js';
import { runFeaturePipeline } from '../features/pipeline.js';
import type { Logger } from '../log.js';
import { ModelRegistry, newVersionId } from '../registry/registry.js';
import { saveRetrievalBundle, type RetrievalBundle } from '../registry/retrieval-bundle.js';
import { MergedRetriever } from '../retrieval/merge-retriever.js';
import { RANKER_ENCODER_FILE, RANKER_MODEL_FILE } from '../serving/ranker-loader.js';
import { openArtifactStore, openCandidateStore, openOfflineStore, openOnlineStore, openRegistryStore } from '../store/open.js';
import type { ArtifactStore, CandidateStore, OfflineStore, OnlineStore, RegistryStore } from '../store/types.js';
import { precomputeCandidates } from './candidates.js';
import { evaluatePipeline, evaluationHeadline } from './evaluation.js';
import { buildFallback } from './fallback.js';
import { materializeHistory } from './history.js';
import { trainRankerStage } from './ranker-stage.js';
import { retrievalShares, sourceOptions, trainSources, type SourceCache } from './retrieval-training.js';
import type { PipelineSummary, StepTiming } from './summary.js';

export interface PipelineOptions {
  /** Input files; the shipped sample when empty. */
  readonly paths: readonly string[];
  /** Format and CSV column mapping for the ingest step (the flags of `twostage ingest`); detected from each file when absent. */
  readonly ingest?: Pick<IngestOptions, 'format' | 'csv' | 'ratingScale'>;
  /** Log lines instead of progress bars (set with --json). */
  readonly quiet: boolean;
  readonly log: Logger;
  /** Clock (tests pin it). */
  readonly now?: () => number;
}

interface Stores {
  offline: OfflineStore;
  online: OnlineStore;
  candidates: CandidateStore;
  artifacts: ArtifactStore;
  registry: RegistryStore;
}

/**
 * Runs the main job: ingest, features, the ranker, retrieval on all data, the offline evaluation,
 * candidates, then registers both models and promotes them. The ranker learns from the candidates
 * of a retrieval model trained before a time cut, labelled by what came after the cut. The
 * candidate version switches with the retrieval model.
 */
export async function runPipeline(config: Config, options: PipelineOptions): Promise<PipelineSummary> {
  const now = options.now ?? Date.now;
  const started = performance.now();
  const steps: StepTiming[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    options.log.info({ step: name }, 'pipeline step started');
    const result = await run();
    const seconds = (performance.now() - t0) / 1000;
    steps.push({ step: name, seconds });
    options.log.info({ step: name, seconds }, 'pipeline step finished');
    return result;
  };

  const paths = options.paths.length > 0 ? options.paths : [SAMPLE_DATA_PATH];
  const stores = await openStores(config);
  try {
    const ingest = await step('ingest', () => ingestFiles(stores.offline, paths, { ...options.ingest, onBadLine: config.ON_BAD_LINE, quiet: options.quiet }));
    const dataset = await step('load dataset', () => loadDataset(stores.offline));
    const features = await step('features', () => runFeaturePipeline({ offline: stores.offline, online: stores.online, data: dataset, now: now(), quiet: options.quiet }));
    await step('interaction history', () => materializeHistory(stores.online, dataset.interactions, now()));

    const sourceCache: SourceCache = new Map();
    const ranker = await step('ranker', () => trainRankerStage(config, stores.offline, dataset.interactions, dataset.info.feedback, options.quiet, sourceCache));
    const retrieval = await step('retrieval', () => trainRetrievalStep(config, dataset, options.quiet));

    const evaluation = await step('evaluation', () => evaluatePipeline(config, stores.offline, dataset, options.quiet, options.log, sourceCache));

    const version = newVersionId(now());
    const candidateUsers = await step('candidates', () => precomputeCandidates(stores.candidates, version, dataset.interactions, retrieval.retriever, options.quiet));
    const registered = await step('register', () => registerAndPromote(stores, dataset, version, retrieval, ranker, now()));

    return {
      dataset: {
        sources: paths,
        format: ingest.format,
        feedback: dataset.info.feedback,
        users: ingest.users,
        items: ingest.items,
        interactions: ingest.interactions,
        badLines: ingest.badLines.total,
        fingerprint: dataset.info.fingerprint,
      },
      features: { groups: features.groups.map((g) => ({ group: g.group, onlineEntities: g.onlineEntities })), snapshotFeatures: features.snapshotFeatures },
      retrieval: {
        version,
        sources: retrieval.quotas,
        candidateUsers,
        candidateVersion: version,
        fallbackMethod: retrieval.fallback.method,
      },
      ranker: ranker
        ? { version: registered.rankerVersion, objective: String(ranker.params.objective), features: ranker.encoder.columns.length, metrics: ranker.metrics }
        : null,
      evaluation: { split: evaluation.split.description, protocol: evaluation.protocol, headline: evaluationHeadline(evaluation), report: evaluation.files.html },
      promoted: registered.promoted,
      archived: registered.archived,
      exampleUserId: dataset.interactions.userIds[0] ?? null,
      steps,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await closeStores(stores);
  }
}

async function trainRetrievalStep(config: Config, dataset: Dataset, quiet: boolean) {
  const trained = await trainSources(dataset.interactions, retrievalShares(config), sourceOptions(config, quiet));
  const retriever = new MergedRetriever(trained.sources, config.CANDIDATE_COUNT);
  const fallback = buildFallback(dataset.interactions, dataset.info.feedback === 'explicit', retriever, config.MAX_TOP_K);
  return { ...trained, retriever, fallback };
}

async function registerAndPromote(
  stores: Stores,
  dataset: Dataset,
  version: string,
  retrieval: Awaited<ReturnType<typeof trainRetrievalStep>>,
  ranker: Awaited<ReturnType<typeof trainRankerStage>>,
  createdAt: number,
): Promise<{ rankerVersion: string | null; promoted: string[]; archived: string[] }> {
  const registry = new ModelRegistry(stores.registry, stores.candidates);
  const fingerprint = dataset.info.fingerprint;
  const retrievalKey = `models/retrieval/${version}`;
  const bundle: RetrievalBundle = {
    format: 'twostage-retrieval-bundle',
    version: 1,
    feedback: dataset.info.feedback,
    candidateCount: retrieval.retriever.count,
    sources: retrieval.quotas,
    fallback: retrieval.fallback.items,
    fallbackMethod: retrieval.fallback.method,
    dataTime: latestTime(dataset.interactions.timestamp),
  };
  await saveRetrievalBundle(stores.artifacts, retrievalKey, bundle, retrieval.models, { version, dataFingerprint: fingerprint, createdAt });
  await registry.register({
    kind: 'retrieval',
    version,
    params: { sources: retrieval.quotas, candidateCount: bundle.candidateCount, feedback: bundle.feedback, fallback: bundle.fallbackMethod },
    metrics: { users: dataset.interactions.userIds.length, items: dataset.interactions.itemIds.length },
    dataFingerprint: fingerprint,
    artifactKey: retrievalKey,
    candidateVersion: version,
    createdAt,
  });
  const promoted = [`retrieval ${version}`];
  await registry.promote('retrieval', version);
  await registry.pruneCandidateVersions();

  if (!ranker) {
    // A ranker left in production from another run would score candidates of data it never saw.
    const archived = await registry.archiveProduction('ranker');
    return { rankerVersion: null, promoted, archived: archived === null ? [] : [`ranker ${archived.version}`] };
  }
  const rankerKey = `models/ranker/${version}`;
  await stores.artifacts.putDirectory(
    rankerKey,
    new Map([
      [RANKER_MODEL_FILE, Buffer.from(ranker.modelJson)],
      [RANKER_ENCODER_FILE, Buffer.from(`${JSON.stringify(ranker.encoder, null, 1)}\n`)],
    ]),
  );
  await registry.register({ kind: 'ranker', version, params: { ...ranker.params }, metrics: ranker.metrics, dataFingerprint: fingerprint, artifactKey: rankerKey, createdAt });
  await registry.promote('ranker', version);
  promoted.push(`ranker ${version}`);
  return { rankerVersion: version, promoted, archived: [] };
}

function latestTime(timestamps: Float64Array): number | undefined {
  let latest = -Infinity;
  for (const t of timestamps) if (Number.isFinite(t) && t > latest) latest = t;
  return Number.isFinite(latest) ? latest : undefined;
}

async function openStores(config: Config): Promise<Stores> {
  const opened: Partial<Stores> = {};
  try {
    opened.offline = await openOfflineStore(config);
    opened.online = await openOnlineStore(config);
    opened.candidates = await openCandidateStore(config);
    opened.artifacts = await openArtifactStore(config);
    opened.registry = await openRegistryStore(config);
    return opened as Stores;
  } catch (error) {
    await closeStores(opened);
    throw error;
  }
}

async function closeStores(stores: Partial<Stores>): Promise<void> {
  for (const store of [stores.registry, stores.artifacts, stores.candidates, stores.online, stores.offline]) {
    await store?.close().catch(() => undefined);
  }
}
