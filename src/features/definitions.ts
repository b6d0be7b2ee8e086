/**
 * The feature groups, declared once. Feature names are the column names of exported training
 * tables and the keys the ranker's encoder reads, so they stay stable: changing a group's
 * features or their meaning bumps its `version`, which writes a new offline table and online group.
 */
import { PAIR_FEATURES } from './pair.js';
import type { EntityKind, FeatureColumnSpec, FeatureGroup } from './types.js';

const DAY_MS = 86_400_000;

/** Per-user aggregates of the user's interactions, one record per distinct interaction time. */
export const USER_STATS: FeatureGroup = {
  name: 'user_stats',
  version: 1,
  entity: 'user',
  entityKey: 'user_id',
  description: "Aggregates of the user's interactions up to and including the record's event time.",
  features: [
    { name: 'user_interaction_count', type: 'numeric', description: 'Interactions so far (ratings and implicit events).' },
    { name: 'user_weight_sum', type: 'numeric', description: 'Sum of interaction weights so far (quantities on implicit data, 1 per event otherwise).' },
    { name: 'user_rating_count', type: 'numeric', description: 'Valid ratings so far; 0 on implicit data.' },
    { name: 'user_rating_mean', type: 'numeric', description: 'Mean of the valid ratings so far; missing until the first rating.' },
    { name: 'user_rating_std', type: 'numeric', description: 'Population standard deviation of the valid ratings so far; missing until the first rating.' },
    { name: 'user_first_interaction_time', type: 'numeric', description: 'Time of the first interaction, ms.', hidden: true },
    { name: 'user_last_interaction_time', type: 'numeric', description: 'Time of the latest interaction, ms.', hidden: true },
  ],
  derived: [
    { name: 'user_days_since_first_interaction', type: 'numeric', kind: 'days_since', source: 'user_first_interaction_time', description: 'Days from the first interaction to the time asked for.' },
    { name: 'user_days_since_last_interaction', type: 'numeric', kind: 'days_since', source: 'user_last_interaction_time', description: 'Days from the latest interaction to the time asked for.' },
  ],
  ttlMs: null,
  snapshot: false,
};

/** Most frequent categories kept in a user's category profile. */
export const PROFILE_CATEGORIES = 20;

/**
 * The user's interactions by item category (genre, category path entry), one record per distinct
 * time of an interaction with a categorized item. The profile feeds the user–item pair features
 * (src/features/pair.ts); users without such an interaction have no record.
 */
export const USER_CATEGORIES: FeatureGroup = {
  name: 'user_categories',
  version: 1,
  entity: 'user',
  entityKey: 'user_id',
  description: "Counts of the user's interactions per item category up to and including the record's event time.",
  features: [
    {
      name: 'user_category_counts',
      type: 'categorical_list',
      description: `Entries \`<category>=<count>\`: interactions with items of the category so far, for the ${PROFILE_CATEGORIES} most frequent categories (ties by category, code-unit order).`,
      pairInput: true,
    },
    { name: 'user_categorized_count', type: 'numeric', description: 'Interactions so far with an item that has at least one category.' },
  ],
  derived: [],
  ttlMs: null,
  snapshot: false,
};

/** Per-item aggregates of the item's interactions (reviews), one record per distinct interaction time. */
export const ITEM_STATS: FeatureGroup = {
  name: 'item_stats',
  version: 1,
  entity: 'item',
  entityKey: 'item_id',
  description: "Aggregates of the item's interactions up to and including the record's event time.",
  features: [
    { name: 'item_interaction_count', type: 'numeric', description: 'Interactions so far (ratings and implicit events).' },
    { name: 'item_weight_sum', type: 'numeric', description: 'Sum of interaction weights so far (quantities on implicit data, 1 per event otherwise).' },
    { name: 'item_rating_count', type: 'numeric', description: 'Valid ratings so far; 0 on implicit data.' },
    { name: 'item_rating_mean', type: 'numeric', description: 'Mean of the valid ratings so far; missing until the first rating.' },
    { name: 'item_rating_std', type: 'numeric', description: 'Population standard deviation of the valid ratings so far; missing until the first rating.' },
    { name: 'item_first_interaction_time', type: 'numeric', description: 'Time of the first interaction, ms.', hidden: true },
    { name: 'item_last_interaction_time', type: 'numeric', description: 'Time of the latest interaction, ms.', hidden: true },
  ],
  derived: [
    { name: 'item_days_since_first_interaction', type: 'numeric', kind: 'days_since', source: 'item_first_interaction_time', description: 'Days from the first interaction to the time asked for (item age on the platform).' },
    { name: 'item_days_since_last_interaction', type: 'numeric', kind: 'days_since', source: 'item_last_interaction_time', description: 'Days from the latest interaction to the time asked for.' },
  ],
  ttlMs: null,
  snapshot: false,
};

/** Half-lives of the item's decayed interaction counts, days. */
export const TREND_HALF_LIVES_DAYS = [7, 30] as const;

/**
 * Recent popularity of each item: its interactions weighted by 2^(-age / half-life), one record
 * per distinct interaction time. The value is carried forward to the time asked for when read,
 * so an item without new interactions fades instead of keeping its last count.
 */
export const ITEM_TREND: FeatureGroup = {
  name: 'item_trend',
  version: 1,
  entity: 'item',
  entityKey: 'item_id',
  description: "Exponentially decayed counts of the item's interactions up to and including the record's event time.",
  features: [
    ...TREND_HALF_LIVES_DAYS.map((days) => ({
      name: `item_decayed_count_${days}d_at_record`,
      type: 'numeric' as const,
      description: `Interactions so far, each weighted by 2^(-age / ${days} days), with age taken at the record's event time.`,
      hidden: true,
    })),
    { name: 'item_trend_record_time', type: 'numeric', description: 'Event time the decayed counts are taken as of, ms.', hidden: true },
  ],
  derived: TREND_HALF_LIVES_DAYS.map((days) => ({
    name: `item_recent_popularity_${days}d`,
    type: 'numeric' as const,
    kind: 'decayed' as const,
    source: `item_decayed_count_${days}d_at_record`,
    timeSource: 'item_trend_record_time',
    halfLifeDays: days,
    description: `Interactions before the time asked for, each weighted by 2^(-age / ${days} days).`,
  })),
  ttlMs: null,
  snapshot: false,
};

/**
 * Listing attributes treated as fixed for the item's lifetime: main category, store and
 * categories rarely change, so their one record has event and created time 0 (the Unix epoch)
 * and every training row gets them. Values that do change over time (price, ratings) are not here.
 */
export const ITEM_ATTRIBUTES: FeatureGroup = {
  name: 'item_attributes',
  version: 1,
  entity: 'item',
  entityKey: 'item_id',
  description: 'Listing attributes from the item metadata that are taken as fixed over time.',
  features: [
    { name: 'item_main_category', type: 'categorical', description: 'Main category (Amazon `main_category`); missing when absent.' },
    { name: 'item_store', type: 'categorical', description: 'Store or brand name; missing when absent.' },
    { name: 'item_category_l1', type: 'categorical', description: 'First level of the category path (or the first genre); missing when the item has none.' },
    { name: 'item_categories', type: 'categorical_list', description: 'Full category path or genre list, in metadata order.' },
    { name: 'item_category_depth', type: 'numeric', description: 'Number of entries in `item_categories`.' },
    { name: 'item_title_length', type: 'numeric', description: 'Title length in characters; missing when the title is absent.' },
  ],
  derived: [],
  ttlMs: null,
  snapshot: false,
};

/**
 * Price history with event and created times, imported from a price-history file. A price not
 * refreshed for a year counts as missing, offline and online alike.
 */
export const ITEM_PRICE: FeatureGroup = {
  name: 'item_price',
  version: 1,
  entity: 'item',
  entityKey: 'item_id',
  description: 'Listed price from a price history with event and created (known-at) times.',
  features: [{ name: 'item_price', type: 'numeric', description: 'Listed price in the listing currency.' }],
  derived: [],
  ttlMs: 365 * DAY_MS,
  snapshot: false,
};

/**
 * Metadata aggregates that exist only as one crawl-time snapshot (Amazon `average_rating`,
 * `rating_number` and `price`). Joining them onto an older training row would leak later reviews
 * and prices, so the training join leaves this group out; serving may show them.
 */
export const ITEM_SNAPSHOT: FeatureGroup = {
  name: 'item_snapshot',
  version: 1,
  entity: 'item',
  entityKey: 'item_id',
  description: 'Crawl-time metadata snapshot; excluded from training joins because it leaks future information.',
  features: [
    { name: 'item_snapshot_average_rating', type: 'numeric', description: 'Average rating shown at crawl time.' },
    { name: 'item_snapshot_rating_number', type: 'numeric', description: 'Number of ratings shown at crawl time.' },
    { name: 'item_snapshot_price', type: 'numeric', description: 'Price shown at crawl time, without history.' },
  ],
  derived: [],
  ttlMs: null,
  snapshot: true,
};

/** Every group, in the order the pipeline builds them and exports list their columns. */
export const FEATURE_GROUPS: readonly FeatureGroup[] = [USER_STATS, USER_CATEGORIES, ITEM_STATS, ITEM_TREND, ITEM_ATTRIBUTES, ITEM_PRICE, ITEM_SNAPSHOT];

/** Groups the training join uses: every group that is not a snapshot. */
export const TRAINING_GROUPS: readonly FeatureGroup[] = FEATURE_GROUPS.filter((g) => !g.snapshot);

/** Looks a group up by name; throws with the known names when there is none. */
export function featureGroup(name: string): FeatureGroup {
  const group = FEATURE_GROUPS.find((g) => g.name === name);
  if (!group) throw new Error(`unknown feature group "${name}"; known groups: ${FEATURE_GROUPS.map((g) => g.name).join(', ')}`);
  return group;
}

/** Offline table that stores the group's history, such as `features_user_stats_v1`. */
export function historyTableName(group: FeatureGroup): string {
  return `features_${group.name}_v${group.version}`;
}

/** Online store group key, such as `user_stats_v1`. */
export function onlineGroupName(group: FeatureGroup): string {
  return `${group.name}_v${group.version}`;
}

/** Output features of one group: stored features that are not hidden, then derived features. */
export function outputFeatures(group: FeatureGroup): FeatureColumnSpec[] {
  const stored = group.features
    .filter((f) => !f.hidden)
    .map((f) => ({ name: f.name, type: f.type, group: group.name, entity: group.entity, ...(f.pairInput ? { pairInput: true } : {}) }));
  const derived = group.derived.map((f) => ({ name: f.name, type: f.type, group: group.name, entity: group.entity }));
  return [...stored, ...derived];
}

/**
 * Features the ranker trains and serves on, in a stable order (groups in FEATURE_GROUPS order,
 * then the pair features): every output feature of the non-snapshot groups and every pair
 * feature, optionally of one entity kind only (pair features count as `item`).
 */
export function trainingFeatures(entity?: EntityKind): FeatureColumnSpec[] {
  const grouped = TRAINING_GROUPS.filter((g) => entity === undefined || g.entity === entity).flatMap(outputFeatures);
  return entity === 'user' ? grouped : [...grouped, ...PAIR_FEATURES];
}

/** Names of the features that training joins leave out because they are crawl-time snapshots. */
export function snapshotFeatureNames(): string[] {
  return FEATURE_GROUPS.filter((g) => g.snapshot).flatMap((g) => outputFeatures(g).map((f) => f.name));
}
