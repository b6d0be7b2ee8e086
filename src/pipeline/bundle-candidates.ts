import type { Config } from '../config/load.js';
import type { Interactions } from '../data/types.js';
import { openModelRegistry } from '../registry/open.js';
import { bundleKey, loadRetrievalBundle } from '../registry/retrieval-bundle.js';
import type { PrecomputeSummary } from '../retrieval/candidates.js';
import { readDataset } from '../retrieval/jobs.js';
import { MergedRetriever } from '../retrieval/merge-retriever.js';
import { openArtifactStore, openCandidateStore } from '../store/open.js';
import type { ArtifactStore, ModelVersionRecord } from '../store/types.js';
import { precomputeCandidates } from './candidates.js';

export interface BundleCandidatesSummary extends PrecomputeSummary {
  readonly modelVersion: string;
}

/**
 * The registered retrieval version `twostage candidates` precomputes for: `modelVersion` when
 * given, otherwise the production version. Returns null when that version is not a retrieval
 * bundle (or, without `modelVersion`, when nothing is in production), so the caller can fall back
 * to the SVD embedding models of `twostage train retrieval`.
 */
export async function findBundleVersion(config: Config, modelVersion: string | undefined): Promise<ModelVersionRecord | null> {
  const opened = await openModelRegistry(config);
  let record: ModelVersionRecord | null;
  try {
    record = modelVersion === undefined ? await opened.registry.production('retrieval') : await opened.registry.store.getVersion('retrieval', modelVersion);
  } finally {
    await opened.close();
  }
  if (!record) return null;
  const artifacts = await openArtifactStore(config);
  try {
    return (await hasBundle(artifacts, record.artifactKey)) ? record : null;
  } finally {
    await artifacts.close();
  }
}

async function hasBundle(artifacts: ArtifactStore, key: string): Promise<boolean> {
  return (await artifacts.listFiles(bundleKey(key))).includes('bundle.json');
}

/**
 * Precomputes every user's merged candidates from a registered retrieval bundle, exactly as
 * serving merges them, into a new candidate version `<model version>@<ms since epoch>`, and
 * activates it when `activate` is true.
 */
export async function precomputeBundleCandidates(
  config: Config,
  record: ModelVersionRecord,
  options: { activate: boolean; quiet: boolean },
): Promise<BundleCandidatesSummary> {
  const started = performance.now();
  const dataset = await readDataset(config);
  const artifacts = await openArtifactStore(config);
  let merged: MergedRetriever;
  try {
    const { bundle, sources } = await loadRetrievalBundle(artifacts, record.artifactKey);
    merged = new MergedRetriever(sources, bundle.candidateCount);
  } finally {
    await artifacts.close();
  }

  return writeMergedCandidates(config, record.version, merged, dataset.interactions, { ...options, started });
}

/**
 * Writes every user's candidates from `merged` into a new candidate version
 * `<model version>@<ms since epoch>`, counting candidates and short lists, and activates it when
 * `activate` is true. `started` is the performance.now() time the reported seconds count from.
 */
export async function writeMergedCandidates(
  config: Config,
  modelVersion: string,
  merged: MergedRetriever,
  interactions: Interactions,
  options: { activate: boolean; quiet: boolean; started: number },
): Promise<BundleCandidatesSummary> {
  let candidates = 0;
  let shortLists = 0;
  const counting: Pick<MergedRetriever, 'retrieve'> = {
    retrieve(user) {
      const result = merged.retrieve(user);
      candidates += result.candidates.length;
      if (result.candidates.length < merged.count) shortLists++;
      return result;
    },
  };
  const version = `${modelVersion}@${Date.now()}`;
  const store = await openCandidateStore(config);
  try {
    const users = await precomputeCandidates(store, version, interactions, counting, options.quiet);
    if (options.activate) await store.activate(version);
    return { modelVersion, version, users, candidates, shortLists, activated: options.activate, seconds: (performance.now() - options.started) / 1000 };
  } finally {
    await store.close();
  }
}
