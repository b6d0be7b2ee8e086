import { ModelError } from '../../errors.js';
import type { ArtifactStore } from '../../store/types.js';
import { loadEmbeddingArtifact, saveEmbeddingArtifact, type EmbeddingArtifact, type NumericArray } from '../artifact.js';
import type { CsrMatrix } from './csr.js';
import { FactorRetrievalModel } from './factor-model.js';
import { ItemItemRetrievalModel } from './item-item-model.js';
import { VALUE_MODES, type ValueMode } from './matrix.js';
import { PopularityRetrievalModel, type PopularityKind } from './popularity-model.js';

/**
 * Conversion between the implicit-feedback models and the embedding artifact format shared with
 * SVD. ALS and BPR store their factor rows as they are (BPR rows have f + 1 columns, the last
 * item column being the item bias and the last user column 1). Popularity models store a width-1
 * embedding (user factor 1, item factor = score), so their dot product is their score. The
 * co-occurrence model stores the same width-1 popularity embedding (its unknown-user order) plus
 * its neighbour lists and the training history as int32/float32 arrays; `details.scoring` is
 * `item-neighbours`, so readers that only take dot products fall back to popularity.
 */

export type ImplicitModel = FactorRetrievalModel | ItemItemRetrievalModel | PopularityRetrievalModel;

/** Facts recorded with every artifact: version id, training data fingerprint, metrics. */
export interface ArtifactMeta {
  readonly version: string;
  readonly dataFingerprint: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly createdAt?: number;
}

export const POPULARITY_ARRAY = 'item_popularity';

/** Builds the artifact of a model. */
export function toEmbeddingArtifact(model: ImplicitModel, meta: ArtifactMeta): EmbeddingArtifact {
  const base = {
    kind: model.kind,
    version: meta.version,
    userIds: model.userIds,
    itemIds: model.itemIds,
    userBias: null,
    itemBias: null,
    globalMean: null,
    hyperparameters: { ...model.parameters },
    dataFingerprint: meta.dataFingerprint,
    metrics: { ...(meta.metrics ?? {}) },
    createdAt: meta.createdAt ?? Date.now(),
  };
  const items = model.itemIds.length;
  if (model instanceof FactorRetrievalModel) {
    return {
      ...base,
      width: model.width,
      userFactors: model.userFactors,
      itemFactors: model.itemFactors,
      arrays: { [POPULARITY_ARRAY]: { data: model.popularity, shape: [items] } },
      details: { scoring: 'dot', foldIn: model.foldIn },
    };
  }
  const ones = new Float32Array(model.userIds.length).fill(1);
  if (model instanceof PopularityRetrievalModel) {
    return { ...base, width: 1, userFactors: ones, itemFactors: model.scores, arrays: {}, details: { scoring: 'dot' } };
  }
  const { neighbours, history } = model;
  const nnz = history.indptr[history.rows];
  return {
    ...base,
    width: 1,
    userFactors: ones,
    itemFactors: model.popularity,
    arrays: {
      neighbour_indptr: { data: neighbours.indptr, shape: [items + 1] },
      neighbour_indices: { data: neighbours.indices, shape: [neighbours.indices.length] },
      neighbour_similarity: { data: neighbours.similarity, shape: [neighbours.similarity.length] },
      history_indptr: { data: history.indptr, shape: [history.rows + 1] },
      history_indices: { data: history.indices.subarray(0, nnz), shape: [nnz] },
      history_values: { data: history.data.subarray(0, nnz), shape: [nnz] },
    },
    details: { scoring: 'item-neighbours' },
  };
}

/** Rebuilds a model from its artifact; throws REC_ERR_MODEL_INVALID for a kind or array it cannot use. */
export function fromEmbeddingArtifact(artifact: EmbeddingArtifact): ImplicitModel {
  const where = `${artifact.kind} model ${artifact.version}`;
  const common = { userIds: artifact.userIds, itemIds: artifact.itemIds, parameters: artifact.hyperparameters };
  switch (artifact.kind) {
    case 'als':
    case 'bpr':
      return new FactorRetrievalModel({
        ...common,
        kind: artifact.kind,
        width: artifact.width,
        userFactors: float32(artifact.userFactors, 'user_factors', where),
        itemFactors: float32(artifact.itemFactors, 'item_factors', where),
        popularity: float32(requireArray(artifact, POPULARITY_ARRAY), POPULARITY_ARRAY, where),
        foldIn: artifact.kind === 'als' ? parseFoldIn(artifact.details.foldIn, where) : undefined,
      });
    case 'popularity':
    case 'popularity_recent':
      return new PopularityRetrievalModel({ ...common, kind: artifact.kind as PopularityKind, scores: float32(artifact.itemFactors, 'item_factors', where) });
    case 'cooccurrence': {
      const int = (name: string): Int32Array => int32(requireArray(artifact, name), name, where);
      const history: CsrMatrix = {
        rows: artifact.userIds.length,
        cols: artifact.itemIds.length,
        indptr: int('history_indptr'),
        indices: int('history_indices'),
        data: float32(requireArray(artifact, 'history_values'), 'history_values', where),
      };
      return new ItemItemRetrievalModel({
        ...common,
        neighbours: {
          items: artifact.itemIds.length,
          indptr: int('neighbour_indptr'),
          indices: int('neighbour_indices'),
          similarity: float32(requireArray(artifact, 'neighbour_similarity'), 'neighbour_similarity', where),
        },
        history,
        popularity: float32(artifact.itemFactors, 'item_factors', where),
      });
    }
    default:
      throw new ModelError('REC_ERR_MODEL_INVALID', `${where}: kind ${artifact.kind} is not an implicit-feedback model (als, bpr, cooccurrence, popularity, popularity_recent)`);
  }
}

/** Saves a model under `key` in one atomic step and returns the store's location for it. */
export async function saveImplicitModel(store: ArtifactStore, key: string, model: ImplicitModel, meta: ArtifactMeta): Promise<string> {
  return saveEmbeddingArtifact(store, key, toEmbeddingArtifact(model, meta));
}

/** Loads a model saved by saveImplicitModel. */
export async function loadImplicitModel(store: ArtifactStore, key: string): Promise<ImplicitModel> {
  return fromEmbeddingArtifact(await loadEmbeddingArtifact(store, key));
}

function requireArray(artifact: EmbeddingArtifact, name: string): NumericArray {
  const array = artifact.arrays[name];
  if (array === undefined) throw new ModelError('REC_ERR_MODEL_INVALID', `${artifact.kind} model ${artifact.version}: the manifest lists no ${name} array`);
  return array.data;
}

function float32(data: NumericArray, name: string, where: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Float64Array) return Float32Array.from(data);
  throw new ModelError('REC_ERR_MODEL_INVALID', `${where}: array ${name} must be float32 or float64, got int32`);
}

function int32(data: NumericArray, name: string, where: string): Int32Array {
  if (data instanceof Int32Array) return data;
  throw new ModelError('REC_ERR_MODEL_INVALID', `${where}: array ${name} must be int32`);
}

function parseFoldIn(value: unknown, where: string): { alpha: number; regularization: number; valueMode: ValueMode } {
  const v = value as { alpha?: unknown; regularization?: unknown; valueMode?: unknown } | null;
  const valid =
    v !== null &&
    typeof v === 'object' &&
    typeof v.alpha === 'number' &&
    v.alpha > 0 &&
    typeof v.regularization === 'number' &&
    v.regularization >= 0 &&
    VALUE_MODES.includes(v.valueMode as ValueMode);
  if (!valid) throw new ModelError('REC_ERR_MODEL_INVALID', `${where}: details.foldIn needs alpha > 0, regularization >= 0 and a value mode (${VALUE_MODES.join(', ')})`);
  return { alpha: v.alpha as number, regularization: v.regularization as number, valueMode: v.valueMode as ValueMode };
}
