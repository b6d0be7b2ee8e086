/**
 * Feature store model: feature groups, their stored histories and point-in-time results.
 *
 * Times are milliseconds since the Unix epoch (UTC). A numeric value that is missing is NaN inside
 * typed arrays and `null` everywhere values leave as records, CSV cells or JSON; it is never 0.
 */
import type { FeatureValue } from '../store/types.js';

/** `numeric` is a float64, `categorical` a string, `categorical_list` a list of strings. */
export type FeatureType = 'numeric' | 'categorical' | 'categorical_list';

export type EntityKind = 'user' | 'item';

/** A feature stored in the group's history, one value per record. */
export interface StoredFeatureSpec {
  readonly name: string;
  readonly type: FeatureType;
  readonly description: string;
  /**
   * True for values kept only to compute derived features (such as a first-interaction time).
   * Hidden features are stored and materialized but are not served to the ranker or exported.
   */
  readonly hidden?: boolean;
  /**
   * True for values the ranker reads only through pair features (src/features/pair.ts), such as a
   * user's category profile. They are served and exported but not encoded as ranker columns.
   */
  readonly pairInput?: boolean;
}

/**
 * A feature computed when it is read, from stored features and the time asked for: the offline
 * join uses the row's timestamp and the online read uses its `now`, so both agree.
 * - `days_since` is `(asOf - source) / 86,400,000`, the age in days of a stored time in ms.
 * - `decayed` is `source · 2^(-(asOf - timeSource) / (halfLifeDays · 86,400,000))`: a sum that
 *   decays exponentially with half-life `halfLifeDays`, stored as of the time `timeSource` (ms)
 *   and carried forward to the time asked for. Carrying forward is exact, so the value equals the
 *   decayed sum computed directly at the time asked for.
 */
export interface DerivedFeatureSpec {
  readonly name: string;
  readonly type: 'numeric';
  readonly description: string;
  readonly kind: 'days_since' | 'decayed';
  /** Name of the stored numeric feature the value comes from: a time in ms for `days_since`, the decayed sum for `decayed`. */
  readonly source: string;
  /** `decayed` only: name of the stored time (ms) the decayed sum is taken as of. */
  readonly timeSource?: string;
  /** `decayed` only: half-life in days. */
  readonly halfLifeDays?: number;
}

export interface FeatureGroup {
  /** Stable group name; with `version` it names the offline table and the online group. */
  readonly name: string;
  /** Bumped whenever the features or their meaning change, so old and new histories never mix. */
  readonly version: number;
  readonly entity: EntityKind;
  /** Column that contains the entity id in training rows: `user_id` or `item_id`. */
  readonly entityKey: 'user_id' | 'item_id';
  readonly description: string;
  readonly features: readonly StoredFeatureSpec[];
  readonly derived: readonly DerivedFeatureSpec[];
  /**
   * A record whose event time is more than `ttlMs` before the time asked for counts as missing,
   * in the offline join and in the online read alike. `null` means values never expire.
   */
  readonly ttlMs: number | null;
  /**
   * True for values that exist only as one crawl-time snapshot. Their history has one record at
   * the ingest time, the training join leaves them out, and the pipeline reports them.
   */
  readonly snapshot: boolean;
}

/** One output feature of a group, as the ranker's encoder reads it. */
export interface FeatureColumnSpec {
  readonly name: string;
  readonly type: FeatureType;
  readonly group: string;
  /** Entity whose key selects the value; pair features vary per candidate item, so they count as `item`. */
  readonly entity: EntityKind;
  /** Set (true) on features the ranker's encoder skips: see StoredFeatureSpec.pairInput. */
  readonly pairInput?: boolean;
}

/** A typed column of feature values; numeric missing values are NaN. */
export type FeatureColumn =
  | { readonly type: 'numeric'; readonly values: Float64Array }
  | { readonly type: 'categorical'; readonly values: (string | null)[] }
  | { readonly type: 'categorical_list'; readonly values: (readonly string[] | null)[] };

/**
 * The history of one group as columns: record r is (`entityIds[r]`, `eventTime[r]`,
 * `createdTime[r]`, `columns[name].values[r]` for each stored feature). Order is not significant.
 */
export interface FeatureHistory {
  readonly entityIds: readonly string[];
  /** When the values became true, ms; shape [records]. */
  readonly eventTime: Float64Array;
  /** When the values became known to the store, ms; shape [records]. */
  readonly createdTime: Float64Array;
  readonly columns: Readonly<Record<string, FeatureColumn>>;
}

/** Rows to join: row i requests entity `entityIds[i]` as of `timestamps[i]` (ms). */
export interface EntityRows {
  readonly entityIds: readonly string[];
  readonly timestamps: Float64Array | readonly number[];
}

/**
 * Point-in-time features for a list of rows, in row order: `columns[name]` has one value per row
 * for every output feature of the group (stored features that are not hidden, then derived ones).
 */
export interface FeatureFrame {
  readonly group: string;
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, FeatureColumn>>;
  /** Record index in the history per row, -1 when no record qualifies or it expired; shape [rows]. */
  readonly recordIndex: Int32Array;
}

/** Feature values by name for one entity, `null` for a missing value. */
export type FeatureValues = Readonly<Record<string, FeatureValue>>;
