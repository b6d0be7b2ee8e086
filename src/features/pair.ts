/**
 * User–item pair features: values of one (user, item) pair computed from the user's and the
 * item's output features, by name. Training computes them on the point-in-time columns
 * (`pairFeatureColumns`), serving on the values read from the online store (`pairFeatureValues`),
 * with the same arithmetic, so both sides agree.
 *
 * Inputs: `user_category_counts` and `user_categorized_count` (group `user_categories`),
 * `user_rating_mean` (`user_stats`), `item_categories` (`item_attributes`) and
 * `item_rating_mean` (`item_stats`).
 */
import type { FeatureValue } from '../store/types.js';
import type { FeatureColumn, FeatureColumnSpec } from './types.js';

/** Group name the pair features report in exports and specs. */
export const PAIR_GROUP = 'user_item';

const pair = (name: string): FeatureColumnSpec => ({ name, type: 'numeric', group: PAIR_GROUP, entity: 'item' });

/**
 * The pair features, in column order:
 * - `user_item_category_share_mean`: mean over the item's categories of the share of the user's
 *   categorized interactions that fall in the category;
 * - `user_item_category_share_max`: the largest of those shares;
 * - `user_item_rating_mean_diff`: item_rating_mean − user_rating_mean.
 * Missing when an input is missing (no profile, an item without categories, no ratings yet).
 * A category outside the user's profile (which keeps the most frequent categories only) counts as share 0.
 */
export const PAIR_FEATURES: readonly FeatureColumnSpec[] = [pair('user_item_category_share_mean'), pair('user_item_category_share_max'), pair('user_item_rating_mean_diff')];

/** Parsed `user_category_counts`: count by category. */
type Profile = ReadonlyMap<string, number>;

/** Parses `<category>=<count>` entries; a category may itself contain `=`, so the count follows the last one. */
export function parseCategoryCounts(entries: readonly string[]): Profile {
  const profile = new Map<string, number>();
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const count = at < 0 ? Number.NaN : Number(entry.slice(at + 1));
    if (Number.isFinite(count)) profile.set(entry.slice(0, at), count);
  }
  return profile;
}

/** Formats one profile entry as `parseCategoryCounts` reads it. */
export function formatCategoryCount(category: string, count: number): string {
  return `${category}=${count}`;
}

/** Writes the pair features of one pair into row `row` of the columns `out`, in PAIR_FEATURES order (NaN when missing). */
function writePair(profile: Profile | null, categorized: number, itemCategories: readonly string[] | null, userMean: number, itemMean: number, out: Float64Array[], row: number): void {
  let shareMean = Number.NaN;
  let shareMax = Number.NaN;
  if (profile !== null && categorized > 0 && itemCategories !== null && itemCategories.length > 0) {
    let sum = 0;
    shareMax = 0;
    for (const category of itemCategories) {
      const share = (profile.get(category) ?? 0) / categorized;
      sum += share;
      if (share > shareMax) shareMax = share;
    }
    shareMean = sum / itemCategories.length;
  }
  out[0][row] = shareMean;
  out[1][row] = shareMax;
  out[2][row] = itemMean - userMean;
}

/**
 * Pair feature columns for rows whose user and item features are in `columns` (as
 * getTrainingFeatures joins them), one value per row.
 */
export function pairFeatureColumns(columns: Readonly<Record<string, FeatureColumn>>, rowCount: number): Record<string, FeatureColumn> {
  const out = PAIR_FEATURES.map(() => new Float64Array(rowCount));
  const profiles = listColumn(columns.user_category_counts);
  const categorized = numericColumn(columns.user_categorized_count);
  const itemCategories = listColumn(columns.item_categories);
  const userMean = numericColumn(columns.user_rating_mean);
  const itemMean = numericColumn(columns.item_rating_mean);
  // Rows that joined the same history record share one entries array, so each is parsed once.
  const parsed = new Map<readonly string[], Profile>();
  for (let r = 0; r < rowCount; r++) {
    const entries = profiles?.[r] ?? null;
    let profile: Profile | null = null;
    if (entries !== null) {
      profile = parsed.get(entries) ?? parseCategoryCounts(entries);
      parsed.set(entries, profile);
    }
    writePair(profile, categorized?.[r] ?? Number.NaN, itemCategories?.[r] ?? null, userMean?.[r] ?? Number.NaN, itemMean?.[r] ?? Number.NaN, out, r);
  }
  const result: Record<string, FeatureColumn> = {};
  PAIR_FEATURES.forEach((spec, f) => (result[spec.name] = { type: 'numeric', values: out[f] }));
  return result;
}

/** Pair feature values of one (user, item) pair from values by feature name, as served; null when missing. */
export function pairFeatureValues(user: Readonly<Record<string, FeatureValue>>, item: Readonly<Record<string, FeatureValue>>): Record<string, number | null> {
  return pairFeatureValuesForItems(user, [item])[0];
}

/**
 * Computes the pair feature values of one user with each of `items`, in item order, as
 * `pairFeatureValues` does. The user's category profile is parsed once for all items.
 */
export function pairFeatureValuesForItems(
  user: Readonly<Record<string, FeatureValue>>,
  items: readonly Readonly<Record<string, FeatureValue>>[],
): Record<string, number | null>[] {
  const out = pairFeatureColumnsForItems(user, items);
  return items.map((_, row) => {
    const values: Record<string, number | null> = {};
    PAIR_FEATURES.forEach((spec, f) => (values[spec.name] = Number.isNaN(out[f][row]) ? null : out[f][row]));
    return values;
  });
}

/**
 * Computes the pair features of one user with each of `items` as columns: column f (in
 * PAIR_FEATURES order) has one value per item, NaN when missing. The request path takes this form,
 * which allocates no object per item.
 */
export function pairFeatureColumnsForItems(user: Readonly<Record<string, FeatureValue>>, items: readonly Readonly<Record<string, FeatureValue>>[]): Float64Array[] {
  const out = PAIR_FEATURES.map(() => new Float64Array(items.length));
  const entries = user.user_category_counts;
  const profile = Array.isArray(entries) ? parseCategoryCounts(entries) : null;
  const categorized = numberOf(user.user_categorized_count);
  const userMean = numberOf(user.user_rating_mean);
  for (let row = 0; row < items.length; row++) {
    const categories = items[row].item_categories;
    writePair(profile, categorized, Array.isArray(categories) ? categories : null, userMean, numberOf(items[row].item_rating_mean), out, row);
  }
  return out;
}

function numberOf(value: FeatureValue | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}

function numericColumn(column: FeatureColumn | undefined): Float64Array | null {
  return column?.type === 'numeric' ? column.values : null;
}

function listColumn(column: FeatureColumn | undefined): (readonly string[] | null)[] | null {
  return column?.type === 'categorical_list' ? column.values : null;
}
