/**
 * Public API of the feature store. Training code joins features point in time with
 * `getHistoricalFeatures` or `getTrainingFeatures`; serving reads current values with
 * `readOnlineFeatures`; the ranker's encoder takes names and types from `trainingFeatures()`.
 * See docs/features.md.
 */
export type { DerivedFeatureSpec, EntityKind, EntityRows, FeatureColumn, FeatureColumnSpec, FeatureFrame, FeatureGroup, FeatureHistory, FeatureType, FeatureValues, StoredFeatureSpec } from './types.js';
export {
  FEATURE_GROUPS,
  TRAINING_GROUPS,
  USER_STATS,
  USER_CATEGORIES,
  ITEM_STATS,
  ITEM_TREND,
  ITEM_ATTRIBUTES,
  ITEM_PRICE,
  ITEM_SNAPSHOT,
  featureGroup,
  historyTableName,
  onlineGroupName,
  outputFeatures,
  trainingFeatures,
  snapshotFeatureNames,
} from './definitions.js';
export { getHistoricalFeatures, joinHistory } from './historical.js';
export { getTrainingFeatures, type TrainingRows, type TrainingFeatures } from './training.js';
export { readOnlineFeatures, materializeOnline } from './online.js';
export { runFeaturePipeline, type FeaturePipelineOptions, type FeaturePipelineSummary, type FeatureGroupSummary } from './pipeline.js';
export { loadPriceHistory } from './price-history.js';
export { exportTrainingTable, type ExportOptions, type ExportSummary } from './export.js';
export { readHistory, appendHistory, columnValue } from './history.js';
export { PAIR_FEATURES, pairFeatureValues } from './pair.js';
export type { FeatureSourceData } from './compute.js';
