/**
 * Ranking stage: XGBoost-compatible gradient-boosted trees. Load and save XGBoost JSON models,
 * predict through the `Ranker` interface, train with `trainGbdt`, and encode features by name.
 */
export type { Ranker } from './types.js';
export type { GbdtModel, TreeArrays, FeatureType } from './model.js';
export { loadXgboostModel, parseXgboostJson } from './xgboost-json.js';
export { saveXgboostModel, serializeXgboostJson, formatFloat32 } from './xgboost-json-write.js';
export { XgboostRanker, modelFeatureNames } from './predict.js';
export { SUPPORTED_OBJECTIVES } from './objective.js';
export { featureImportance, IMPORTANCE_TYPES, type ImportanceType } from './importance.js';
export { trainGbdt, type TrainOptions, type TrainResult } from './gbdt/train.js';
export type { GbdtParams } from './gbdt/params.js';
export type { GbdtDataset } from './gbdt/dataset.js';
export { meanNdcg, evaluateMetric } from './gbdt/metrics.js';
export { FeatureEncoder, loadEncoder, saveEncoder, oneHotName, type EncodedFeature, type RawValue, type FitOptions } from './encoder.js';
export { trainWithLibxgboost, libxgboostUnavailable, libxgboostVersion } from './native/libxgboost.js';
export { scoreCsv, type ScoreCsvOptions, type ScoreCsvResult } from './score-csv.js';
