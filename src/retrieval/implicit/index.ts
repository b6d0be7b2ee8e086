/**
 * Public entry point of the implicit-feedback retrieval sources: ALS, BPR, item-to-item
 * co-occurrence, popularity, fold-in, similar items and their artifacts.
 */
export { trainAls, type AlsOptions, type AlsResult } from './als.js';
export { trainBpr, type BprOptions, type BprResult } from './bpr.js';
export { buildCsr, transposeCsr, type CsrMatrix } from './csr.js';
export { buildUserItemMatrix, VALUE_MODES, type ValueMode } from './matrix.js';
export { cosineNeighbours, scoreFromNeighbours, type ItemNeighbours } from './item-similarity.js';
export { countDistinctUsers, countRecentUsers } from './popularity.js';
export { FactorRetrievalModel, type AlsFoldInParameters } from './factor-model.js';
export { ItemItemRetrievalModel } from './item-item-model.js';
export { PopularityRetrievalModel, type PopularityKind } from './popularity-model.js';
export { trainAlsModel, trainBprModel, trainCooccurrenceModel, trainPopularityModel, trainRecentPopularityModel, type CooccurrenceOptions, type PopularityOptions } from './train.js';
export { foldInUser } from './fold-in.js';
export { similarItems, type SimilarItem } from './similar-items.js';
export { historyScoringFor } from './history-scoring.js';
export { toEmbeddingArtifact, fromEmbeddingArtifact, saveImplicitModel, loadImplicitModel, type ImplicitModel, type ArtifactMeta } from './artifact-io.js';
export { closeWorkers, defaultThreads } from './parallel.js';
