/**
 * In-memory form of an XGBoost tree ensemble, close to the JSON model format so a load → save
 * round trip keeps every field XGBoost reads. Node arrays are indexed by node id; node 0 is the
 * root, and a leaf has `leftChildren[id] === -1`.
 */
export interface TreeArrays {
  readonly leftChildren: Int32Array;
  readonly rightChildren: Int32Array;
  /** Parent node id; the root has 2147483647 (XGBoost's invalid node id). */
  readonly parents: Int32Array;
  /** Feature index of each split; 0 for leaves. */
  readonly splitIndices: Int32Array;
  /** Split threshold (go left when value < threshold) or, for a leaf, the leaf value (eta already applied). */
  readonly splitConditions: Float32Array;
  /** 1 when a missing value goes to the left child. */
  readonly defaultLeft: Uint8Array;
  /** 0 for a numeric split, 1 for a categorical split. */
  readonly splitType: Uint8Array;
  /** Node weight before the learning rate is applied. */
  readonly baseWeights: Float32Array;
  /** Gain of the split at each node (0 for leaves). */
  readonly lossChanges: Float32Array;
  /** Sum of hessians of the training rows that reached each node (the "cover"). */
  readonly sumHessian: Float32Array;
  /**
   * Categorical splits: `categoriesNodes[k]` is a node id whose category set is
   * `categories[categoriesSegments[k] .. categoriesSegments[k] + categoriesSizes[k])`.
   * A value in the set goes right, any other category goes left.
   */
  readonly categories: Int32Array;
  readonly categoriesNodes: Int32Array;
  readonly categoriesSegments: Int32Array;
  readonly categoriesSizes: Int32Array;
}

/** Feature type as XGBoost writes it: "float", "int", "i" (indicator), "q" (quantitative), "c" (categorical). */
export type FeatureType = 'float' | 'int' | 'i' | 'q' | 'c';

export interface GbdtModel {
  /** Feature names in column order; empty when the model was trained without names. */
  featureNames: string[];
  /** Feature types in column order; empty when the file gives none. */
  featureTypes: FeatureType[];
  /** Number of input columns the trees index into. */
  numFeature: number;
  /** Objective name, for example `reg:squarederror`, `binary:logistic`, `rank:ndcg`. */
  objective: string;
  /** Objective parameters as written in the file (kept for a faithful save). */
  objectiveConfig: Record<string, unknown>;
  /** Global bias in output space (probability for binary:logistic), as `base_score` stores it. */
  baseScore: number;
  /** `gbtree` or `dart`. */
  booster: 'gbtree' | 'dart';
  trees: TreeArrays[];
  /** Per-tree weight of a dart model (1 for every tree of a gbtree model). */
  treeWeights: Float32Array;
  /** Learner attributes (best_iteration, best_score, …), all strings. */
  attributes: Record<string, string>;
  /** XGBoost version that wrote the file, [major, minor, patch]. */
  version: [number, number, number];
}
