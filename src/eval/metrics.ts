/**
 * Public entry point of the evaluation metrics: ranking metrics of top-K lists, catalog metrics,
 * rating errors, top-K selection with the serving tie rule, and the full-ranking protocol.
 */
export { listCount, groupDistinctItemsByUser, indexListsFromArrays, removeRepeatsWithinLists, selectLists, type IndexLists } from './index-lists.js';
export { tieRankByItemId, identityTieRank, selectTopK } from './top-k.js';
export { computeRankingMetrics, rankingMetricNames, normalizeCutoffs, meanIgnoringNaN, DEFAULT_CUTOFFS, type RankingMetrics } from './ranking-metrics.js';
export { computeCatalogMetrics, catalogMetricNames, SHORT_HEAD_FRACTION, type CatalogMetrics } from './catalog-metrics.js';
export { computeRatingErrors, type RatingErrors } from './rating-metrics.js';
export { evaluateFullRanking, FULL_RANKING_PROTOCOL, type FullRankingInput, type FullRankingResult, type UserScorer } from './full-ranking.js';
