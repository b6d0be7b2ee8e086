/**
 * The normalized dataset every later stage reads. Raw string ids become dense integer indices
 * here and nowhere else: index i of `userIds` is the raw id of user i.
 */

export type FeedbackKind = 'explicit' | 'implicit';

/**
 * Interactions as parallel typed arrays; entry j is one (user, item) interaction after the
 * ingest policy (one per pair, the earliest). Order is the order of first appearance in the
 * input files, which is the order trainers visit them.
 */
export interface Interactions {
  /** Raw user id per dense user index, in order of first appearance. */
  readonly userIds: readonly string[];
  /** Raw item id per dense item index: first the items seen in interactions, in order of first appearance, then metadata-only items. */
  readonly itemIds: readonly string[];
  /** Dense user index per interaction, shape [n]. */
  readonly user: Int32Array;
  /** Dense item index per interaction, shape [n]. */
  readonly item: Int32Array;
  /** Rating per interaction, shape [n]; NaN where there is no valid rating (implicit data, or a rating outside the scale). */
  readonly rating: Float64Array;
  /** Implicit weight per interaction, shape [n]: the summed weights of the pair's events (purchased quantities; 1 per event when the format has none). */
  readonly weight: Float32Array;
  /** Event time per interaction, ms since the Unix epoch (UTC), shape [n]. */
  readonly timestamp: Float64Array;
}

export interface DatasetInfo {
  readonly feedback: FeedbackKind;
  /** Declared rating scale [min, max] for explicit feedback, null for implicit. */
  readonly ratingScale: readonly [number, number] | null;
  /** Input format name, e.g. `amazon2023`, `movielens`, `online-retail`, `csv`. */
  readonly format: string;
  /** Input file paths as given. */
  readonly sources: readonly string[];
  /** Time the ingest finished, ms since the Unix epoch. */
  readonly ingestedAt: number;
  /** Stable hash of the normalized interactions and items; registry entries record it. */
  readonly fingerprint: string;
}

/** Item metadata after normalization; `null` always means missing, never 0 or ''. */
export interface ItemRecord {
  readonly itemId: string;
  readonly title: string | null;
  readonly mainCategory: string | null;
  readonly store: string | null;
  readonly categories: readonly string[];
  /** Price in the listing currency; null when absent or unparseable. */
  readonly price: number | null;
  /** Crawl-time snapshot values from the metadata file: never use them as historical features. */
  readonly averageRating: number | null;
  readonly ratingNumber: number | null;
  /** Remaining metadata fields as parsed JSON (details, features, genres, …). */
  readonly extra: Readonly<Record<string, unknown>>;
}
