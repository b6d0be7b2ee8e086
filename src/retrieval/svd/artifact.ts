import { ModelError } from '../../errors.js';
import { resolveSvdHyperparameters, type SvdHyperparameters } from './hyperparameters.js';
import { SvdModel } from './model.js';
import type { EmbeddingArtifact } from '../artifact.js';

/** Version, data fingerprint, metrics and details an SVD artifact records besides the model arrays. */
export interface SvdArtifactInfo {
  readonly version: string;
  readonly dataFingerprint: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly createdAt?: number;
  /** Extra JSON details, such as per-epoch RMSE. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Converts a trained SVD model to the embedding artifact layout (float64 arrays, biases, μ). */
export function svdToArtifact(model: SvdModel, info: SvdArtifactInfo): EmbeddingArtifact {
  return {
    kind: 'svd',
    version: info.version,
    userIds: model.userIds,
    itemIds: model.itemIds,
    width: model.nFactors,
    userFactors: model.pu,
    itemFactors: model.qi,
    userBias: model.bu,
    itemBias: model.bi,
    globalMean: model.globalMean,
    arrays: {},
    hyperparameters: { ...model.hyperparameters },
    dataFingerprint: info.dataFingerprint,
    metrics: info.metrics,
    details: { ...info.details, ratingScale: [...model.ratingScale], biased: model.biased },
    createdAt: info.createdAt ?? Date.now(),
  };
}

/** Rebuilds an SVD model from its artifact; throws REC_ERR_MODEL_INVALID when it is not a complete SVD artifact. */
export function svdFromArtifact(artifact: EmbeddingArtifact): SvdModel {
  const where = `SVD artifact ${artifact.version}`;
  if (artifact.kind !== 'svd') throw new ModelError('REC_ERR_MODEL_INVALID', `${where} has kind ${artifact.kind}, expected svd`);
  const { userFactors, itemFactors, userBias, itemBias, globalMean } = artifact;
  if (!(userFactors instanceof Float64Array && itemFactors instanceof Float64Array && userBias instanceof Float64Array && itemBias instanceof Float64Array)) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${where} needs float64 user and item factors and biases`);
  }
  if (globalMean === null) throw new ModelError('REC_ERR_MODEL_INVALID', `${where} has no global mean`);
  const scale = artifact.details.ratingScale;
  if (!Array.isArray(scale) || scale.length !== 2 || !scale.every((v) => typeof v === 'number')) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${where} has no rating scale in its details`);
  }
  let hyperparameters: SvdHyperparameters;
  try {
    hyperparameters = resolveSvdHyperparameters(artifact.hyperparameters as Partial<SvdHyperparameters>);
  } catch (error) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${where} has invalid hyperparameters: ${(error as Error).message}`, { cause: error });
  }
  return new SvdModel({
    userIds: artifact.userIds,
    itemIds: artifact.itemIds,
    nFactors: artifact.width,
    pu: userFactors,
    qi: itemFactors,
    bu: userBias,
    bi: itemBias,
    globalMean,
    biased: artifact.details.biased !== false,
    ratingScale: [scale[0], scale[1]],
    hyperparameters,
  });
}
