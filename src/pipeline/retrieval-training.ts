import type { Config } from '../config/load.js';
import { DEFAULT_RETRIEVAL_SOURCES, parseRetrievalSources, type RetrievalSourceShare } from '../config/retrieval-sources.js';
import type { Interactions } from '../data/types.js';
import { TwostageError } from '../errors.js';
import type { ImplicitModel } from '../retrieval/implicit/artifact-io.js';
import { historyScoringFor } from '../retrieval/implicit/history-scoring.js';
import {
  trainAlsModel,
  trainBprModel,
  trainCooccurrenceModel,
  trainPopularityModel,
  trainRecentPopularityModel,
} from '../retrieval/implicit/train.js';
import type { MergeSource } from '../retrieval/merge-retriever.js';
import { sourceQuotas } from '../retrieval/merge.js';
import { interactionSetKey } from './interactions.js';

export interface SourceTrainingOptions {
  readonly seed: number;
  readonly factors: number;
  readonly candidateCount: number;
  /** Log lines instead of progress bars. */
  readonly quiet: boolean;
}

export interface TrainedSources {
  readonly models: ReadonlyMap<string, ImplicitModel>;
  /** Sources in merge order with their quotas and request-time history scoring. */
  readonly sources: readonly MergeSource[];
  readonly quotas: readonly { name: string; quota: number }[];
}

/**
 * Trained sources of one pipeline run by interaction set and settings. The evaluation's training
 * split is the same set as the part before the ranker's cut, so its retrieval is trained once.
 */
export type SourceCache = Map<string, Promise<TrainedSources>>;

/**
 * Trains every source with a share above 0, in the configured order, on the same interactions.
 * Quotas split `candidateCount` by share. With a cache, an equal interaction set trained with the
 * same settings reuses the earlier models; sources look users and items up by raw id, so a
 * different index order of the same set does not matter.
 */
export async function trainSources(
  interactions: Interactions,
  shares: readonly RetrievalSourceShare[],
  options: SourceTrainingOptions,
  cache?: SourceCache,
): Promise<TrainedSources> {
  if (!cache) return trainSourcesUncached(interactions, shares, options);
  const key = JSON.stringify([interactionSetKey(interactions), shares, options.seed, options.factors, options.candidateCount]);
  let trained = cache.get(key);
  if (!trained) {
    trained = trainSourcesUncached(interactions, shares, options);
    cache.set(key, trained);
  }
  return trained;
}

async function trainSourcesUncached(interactions: Interactions, shares: readonly RetrievalSourceShare[], options: SourceTrainingOptions): Promise<TrainedSources> {
  if (interactions.user.length === 0) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', 'no interactions to train retrieval on; ingest a dataset with interactions first');
  }
  const quotas = sourceQuotas(shares, options.candidateCount);
  const models = new Map<string, ImplicitModel>();
  const sources: MergeSource[] = [];
  for (const { source, quota } of quotas) {
    const model = await trainSource(source, interactions, options);
    models.set(source, model);
    sources.push({ model, quota, history: historyScoringFor(model) });
  }
  return { models, sources, quotas: quotas.map((q) => ({ name: q.source, quota: q.quota })) };
}

async function trainSource(source: string, interactions: Interactions, options: SourceTrainingOptions): Promise<ImplicitModel> {
  const common = { seed: options.seed, quiet: options.quiet };
  switch (source) {
    case 'als':
      return trainAlsModel(interactions, { ...common, factors: options.factors });
    case 'bpr':
      return trainBprModel(interactions, { ...common, factors: options.factors });
    case 'cooccurrence':
      return trainCooccurrenceModel(interactions);
    case 'popularity':
      return trainPopularityModel(interactions);
    case 'popularity_recent':
      return trainRecentPopularityModel(interactions);
    default:
      throw new TwostageError(
        'REC_ERR_CONFIG_INVALID',
        `retrieval source ${source} cannot be merged by the pipeline yet; set its share to 0 in RETRIEVAL_SOURCES (merged sources: als, bpr, cooccurrence, popularity, popularity_recent)`,
      );
  }
}

/** Parses the configured sources and shares (RETRIEVAL_SOURCES). */
export function retrievalShares(config: Config): RetrievalSourceShare[] {
  return parseRetrievalSources(config.RETRIEVAL_SOURCES ?? DEFAULT_RETRIEVAL_SOURCES);
}

export function sourceOptions(config: Config, quiet: boolean): SourceTrainingOptions {
  return { seed: config.SEED, factors: config.MF_FACTORS, candidateCount: config.CANDIDATE_COUNT, quiet };
}
