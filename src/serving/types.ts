import type { FeedbackKind } from '../data/types.js';
import type { Ranker } from '../ranking/types.js';
import type { Candidate, FeatureValue } from '../store/types.js';

/** An item with a score, in serving order once sorted with `compareScoredItems`. */
export interface ScoredItem {
  readonly itemId: string;
  readonly score: number;
}

/** The production retrieval version as loaded from the registry and artifact store. */
export interface LoadedRetrieval {
  readonly version: string;
  /** Candidate store version precomputed with this model; null when none was recorded. */
  readonly candidateVersion: string | null;
  readonly feedback: FeedbackKind;
  /** Time of the latest training interaction (ms); features are read as of it when the clock is later. Null when unknown. */
  readonly dataTime: number | null;
  /** True when some source of the model was trained on the user. */
  knowsUser(userId: string): boolean;
  /**
   * Candidates for a known user computed now: at most `count` items, none of them in `history`,
   * ordered by score descending then item id ascending.
   */
  retrieve(userId: string, history: ReadonlySet<string>, count: number): Candidate[];
  /**
   * The non-personalized list served to unknown users, in serving order, at most MAX_TOP_K items;
   * the same for every unknown id.
   */
  readonly fallback: readonly ScoredItem[];
}

/** Feature values of one entity by feature name, merged over its feature groups; `null` is missing. */
export type NamedValues = Readonly<Record<string, FeatureValue>>;

/** Encoder input of one request: one user and `candidates.length` candidate items. */
export interface EncodeInput {
  readonly user: NamedValues;
  /** Item feature values per candidate, in candidate order. */
  readonly items: readonly NamedValues[];
  /** Candidates with their retrieval score and per-source extras. */
  readonly candidates: readonly Candidate[];
  /**
   * Values of each (user, candidate) pair, such as the user–item pair features: `values[k][row]`
   * is the value named `names[k]` for candidate `row`, NaN when missing. They take precedence
   * over every other source of the same name.
   */
  readonly pairColumns?: PairColumns;
}

/** Named columns of per-candidate numbers; see `EncodeInput.pairColumns`. */
export interface PairColumns {
  readonly names: readonly string[];
  readonly values: readonly Float64Array[];
}

/**
 * Turns named feature values into the ranker's row-major float32 matrix, column j being
 * `featureNames[j]`; a value the encoder cannot find is NaN (missing).
 */
export interface CandidateEncoder {
  readonly featureNames: readonly string[];
  encode(input: EncodeInput, out: Float32Array): void;
}

/** The production ranker with the encoder saved beside it. */
export interface LoadedRanker {
  readonly version: string;
  readonly ranker: Ranker;
  readonly encoder: CandidateEncoder;
  /** Objective the ranker was trained with, for example `reg:squarederror` or `binary:logistic`. */
  readonly objective: string;
}

/** Models the server responds with, replaced as a whole when a new version is promoted. */
export interface LoadedModels {
  readonly retrieval: LoadedRetrieval | null;
  readonly ranker: LoadedRanker | null;
}

/** Reason a response is not the personalized two-stage result. */
export type FallbackReason =
  | 'unknown_user'
  | 'candidate_store_unavailable'
  | 'online_store_unavailable';

/** Source of a response's candidates. */
export type ServedPath = 'precomputed' | 'on_the_fly' | 'non_personalized';

export interface Recommendation {
  readonly parent_asin: string;
  readonly predicted_rating: number;
}

/** Body of a 200 response to `POST /recommendations`. */
export interface RecommendationResponse {
  readonly user_id: string;
  readonly recommendations: readonly Recommendation[];
  readonly num_recommendations: number;
  readonly served_path: ServedPath;
  readonly fallback: boolean;
  readonly fallback_reason: FallbackReason | null;
  readonly model_versions: { readonly retrieval: string | null; readonly ranker: string | null; readonly candidates: string | null };
}
