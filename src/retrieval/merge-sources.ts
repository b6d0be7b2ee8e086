import { parseRetrievalSources, type RetrievalSourceName } from '../config/retrieval-sources.js';
import type { Interactions } from '../data/types.js';
import { TwostageError } from '../errors.js';
import { historyScoringFor } from './implicit/history-scoring.js';
import { trainAlsModel, trainBprModel, trainCooccurrenceModel, trainPopularityModel, trainRecentPopularityModel } from './implicit/train.js';
import { sourceQuotas } from './merge.js';
import { MergedRetriever, type MergeSource } from './merge-retriever.js';
import type { RetrievalModel } from './types.js';

export interface MergeTrainingSettings {
  /** The RETRIEVAL_SOURCES setting, such as `als:50,cooccurrence:30,popularity:20,svd:0`. */
  readonly sources: string;
  /** CANDIDATE_COUNT: length of each merged list. */
  readonly candidateCount: number;
  /** MF_FACTORS for ALS and BPR. */
  readonly factors: number;
  readonly seed: number;
  /** Models trained elsewhere, by source name (the SVD retriever); needed for each enabled source listed here. */
  readonly external?: Partial<Record<RetrievalSourceName, RetrievalModel>>;
  /** Forces log-line progress even on a terminal. */
  readonly quiet?: boolean;
}

/**
 * Trains every implicit-feedback source RETRIEVAL_SOURCES enables (share above 0) on the training
 * interactions, with the default hyperparameters, and returns the models with a MergedRetriever
 * over them in the configured order. Sources trained elsewhere (`svd`) come from `external`;
 * a missing one is an error naming it.
 */
export async function trainMergeSources(train: Interactions, settings: MergeTrainingSettings): Promise<{ retriever: MergedRetriever; models: RetrievalModel[] }> {
  const quotas = sourceQuotas(parseRetrievalSources(settings.sources), settings.candidateCount);
  const common = { factors: settings.factors, seed: settings.seed, quiet: settings.quiet };
  const sources: MergeSource[] = [];
  for (const { source, quota } of quotas) {
    const model = await trainSource(source as RetrievalSourceName, train, common, settings.external ?? {});
    sources.push({ model, history: historyScoringFor(model), quota });
  }
  return { retriever: new MergedRetriever(sources, settings.candidateCount), models: sources.map((s) => s.model) };
}

async function trainSource(
  source: RetrievalSourceName,
  train: Interactions,
  common: { factors: number; seed: number; quiet?: boolean },
  external: Partial<Record<RetrievalSourceName, RetrievalModel>>,
): Promise<RetrievalModel> {
  const given = external[source];
  if (given !== undefined) return given;
  switch (source) {
    case 'als':
      return trainAlsModel(train, common);
    case 'bpr':
      return trainBprModel(train, common);
    case 'cooccurrence':
      return trainCooccurrenceModel(train);
    case 'popularity':
      return trainPopularityModel(train);
    case 'popularity_recent':
      return trainRecentPopularityModel(train);
    case 'svd':
      throw new TwostageError('REC_ERR_TRAINING_FAILED', 'RETRIEVAL_SOURCES enables svd, but no trained SVD model was passed to the merge; train it first or set svd:0');
  }
}
