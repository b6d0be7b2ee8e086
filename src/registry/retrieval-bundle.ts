import type { FeedbackKind } from '../data/types.js';
import { ModelError } from '../errors.js';
import { historyScoringFor } from '../retrieval/implicit/history-scoring.js';
import { loadEmbeddingArtifact, saveEmbeddingArtifact } from '../retrieval/artifact.js';
import { fromEmbeddingArtifact, saveImplicitModel, type ImplicitModel } from '../retrieval/implicit/artifact-io.js';
import { svdFromArtifact, svdToArtifact } from '../retrieval/svd/artifact.js';
import { SvdModel } from '../retrieval/svd/model.js';
import type { MergeSource } from '../retrieval/merge-retriever.js';
import type { ArtifactStore } from '../store/types.js';

/**
 * A registered retrieval version: several candidate sources merged by quota, plus the list served
 * to unknown users. Layout under the version's artifact key K:
 * - `K/bundle/bundle.json`: this manifest;
 * - `K/sources/<name>/…`: each source in the embedding artifact format, its kind in the manifest
 *   (an implicit-feedback source, or `svd`).
 * Every part is written before the registry points at K, so a reader never sees a partial version.
 */
export interface RetrievalBundle {
  readonly format: 'twostage-retrieval-bundle';
  readonly version: 1;
  readonly feedback: FeedbackKind;
  /** Merged candidates kept per user. */
  readonly candidateCount: number;
  /** Sources in merge order with their slots in the merged list. */
  readonly sources: readonly { readonly name: string; readonly quota: number }[];
  /** Non-personalized list for unknown users, in serving order. */
  readonly fallback: readonly { readonly itemId: string; readonly score: number }[];
  /** Method that computed `fallback`, for docs and logs. */
  readonly fallbackMethod: string;
  /**
   * Time of the latest training interaction, ms. The API derives time-based features (days since
   * an event) as of this time when it is earlier than the clock, so a model trained on old data
   * sees features in the range it was trained on. Absent in bundles written before it existed.
   */
  readonly dataTime?: number;
}

const BUNDLE_FILE = 'bundle.json';

/** A model one bundle source stores: an implicit-feedback source or SVD. */
export type BundleSourceModel = ImplicitModel | SvdModel;

export function bundleKey(key: string): string {
  return `${key}/bundle`;
}

export function sourceKey(key: string, name: string): string {
  return `${key}/sources/${name}`;
}

/** Writes every source, then the manifest. */
export async function saveRetrievalBundle(
  store: ArtifactStore,
  key: string,
  bundle: RetrievalBundle,
  models: ReadonlyMap<string, BundleSourceModel>,
  meta: { version: string; dataFingerprint: string; createdAt: number },
): Promise<void> {
  for (const { name } of bundle.sources) {
    const model = models.get(name);
    if (!model) throw new ModelError('REC_ERR_MODEL_INVALID', `retrieval bundle ${meta.version}: no trained model for source ${name}`);
    if (model instanceof SvdModel) await saveEmbeddingArtifact(store, sourceKey(key, name), svdToArtifact(model, { ...meta, metrics: {} }));
    else await saveImplicitModel(store, sourceKey(key, name), model, meta);
  }
  await saveBundleManifest(store, key, bundle);
}

/** Writes the manifest only; call it after every source is stored, because it makes the version readable. */
export async function saveBundleManifest(store: ArtifactStore, key: string, bundle: RetrievalBundle): Promise<void> {
  await store.putDirectory(bundleKey(key), new Map([[BUNDLE_FILE, Buffer.from(`${JSON.stringify(bundle, null, 1)}\n`)]]));
}

/** Reads the manifest and every source model, ready for a MergedRetriever. */
export async function loadRetrievalBundle(store: ArtifactStore, key: string): Promise<{ bundle: RetrievalBundle; sources: MergeSource[] }> {
  const where = `${store.url}/${bundleKey(key)}/${BUNDLE_FILE}`;
  let bundle: RetrievalBundle;
  try {
    bundle = JSON.parse((await store.getFile(bundleKey(key), BUNDLE_FILE)).toString('utf8')) as RetrievalBundle;
  } catch (error) {
    if (error instanceof ModelError) throw error;
    throw new ModelError('REC_ERR_MODEL_INVALID', `${where}: invalid JSON: ${(error as Error).message}`);
  }
  if (bundle?.format !== 'twostage-retrieval-bundle' || bundle.version !== 1 || !Array.isArray(bundle.sources) || !Array.isArray(bundle.fallback)) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${where}: expected {"format": "twostage-retrieval-bundle", "version": 1, "sources": [...], "fallback": [...]}`);
  }
  const sources: MergeSource[] = [];
  for (const { name, quota } of bundle.sources) {
    const model = await loadSourceModel(store, sourceKey(key, name));
    sources.push({ model, quota, history: historyScoringFor(model) });
  }
  return { bundle, sources };
}

/** Loads one source of a bundle, choosing the model class by the kind its manifest records. */
async function loadSourceModel(store: ArtifactStore, key: string): Promise<BundleSourceModel> {
  const artifact = await loadEmbeddingArtifact(store, key);
  return artifact.kind === 'svd' ? svdFromArtifact(artifact) : fromEmbeddingArtifact(artifact);
}
