import type { TableSchema } from '../store/types.js';

/**
 * Offline-store layout of an ingested dataset. Every ingest replaces all four tables in one
 * transaction. docs/data.md describes the columns for users of the store.
 */

/** One row per kept (user, item) interaction, in input order (`input_order` = row number from 0). */
export const INTERACTIONS_TABLE: TableSchema = {
  name: 'dataset_interactions',
  columns: [
    { name: 'input_order', type: 'INTEGER' },
    { name: 'user_index', type: 'INTEGER' },
    { name: 'item_index', type: 'INTEGER' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'item_id', type: 'VARCHAR' },
    // Valid rating, NULL for implicit feedback and for ratings the policy rejected.
    { name: 'rating', type: 'DOUBLE' },
    // The rating as read when it was numeric (keeps an out-of-scale 0.0 for audits).
    { name: 'raw_rating', type: 'DOUBLE' },
    // NULL, or why `rating` is NULL on explicit data: out_of_scale, not_numeric, missing.
    { name: 'rating_issue', type: 'VARCHAR' },
    { name: 'weight', type: 'DOUBLE' },
    { name: 'event_count', type: 'INTEGER' },
    // ms since the Unix epoch (UTC); NULL when the input has no time column.
    { name: 'timestamp', type: 'BIGINT' },
    { name: 'verified_purchase', type: 'BOOLEAN' },
    { name: 'helpful_vote', type: 'INTEGER' },
    { name: 'variant_id', type: 'VARCHAR' },
    // Input file of the kept event (index into dataset_info.sources) and its 1-based line.
    { name: 'source_file', type: 'INTEGER' },
    { name: 'source_line', type: 'INTEGER' },
  ],
};

/** One row per item index: items with interactions first (by first appearance), then metadata-only items. */
export const ITEMS_TABLE: TableSchema = {
  name: 'dataset_items',
  columns: [
    { name: 'item_index', type: 'INTEGER' },
    { name: 'item_id', type: 'VARCHAR' },
    { name: 'has_metadata', type: 'BOOLEAN' },
    { name: 'has_interactions', type: 'BOOLEAN' },
    { name: 'title', type: 'VARCHAR' },
    { name: 'main_category', type: 'VARCHAR' },
    { name: 'store', type: 'VARCHAR' },
    { name: 'categories', type: 'JSON' },
    { name: 'price', type: 'DOUBLE' },
    // NULL, or why `price` is NULL although a metadata record exists (see parsePrice).
    { name: 'price_issue', type: 'VARCHAR' },
    { name: 'average_rating', type: 'DOUBLE' },
    { name: 'rating_number', type: 'DOUBLE' },
    { name: 'extra', type: 'JSON' },
  ],
};

/** One row per user index, with the attributes of a user file (MovieLens u.user) or NULL. */
export const USERS_TABLE: TableSchema = {
  name: 'dataset_users',
  columns: [
    { name: 'user_index', type: 'INTEGER' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'attributes', type: 'JSON' },
  ],
};

/** Exactly one row describing the dataset; `summary` is the full ingest summary. */
export const DATASET_INFO_TABLE: TableSchema = {
  name: 'dataset_info',
  columns: [
    { name: 'feedback', type: 'VARCHAR' },
    { name: 'rating_min', type: 'DOUBLE' },
    { name: 'rating_max', type: 'DOUBLE' },
    { name: 'format', type: 'VARCHAR' },
    { name: 'sources', type: 'JSON' },
    { name: 'ingested_at', type: 'BIGINT' },
    { name: 'fingerprint', type: 'VARCHAR' },
    { name: 'summary', type: 'JSON' },
  ],
};

export const DATASET_TABLES: readonly TableSchema[] = [INTERACTIONS_TABLE, ITEMS_TABLE, USERS_TABLE, DATASET_INFO_TABLE];
