import { readFileSync } from 'node:fs';
import type { FeatureSourceData } from '../../src/features/compute.js';
import type { ItemRecord } from '../../src/data/types.js';
import { sharedPath } from '../helpers/shared.js';

/** One interaction for {@link buildDataset}: rating NaN for implicit events. */
export interface FixtureInteraction {
  user: string;
  item: string;
  rating: number;
  timestamp: number;
  weight?: number;
}

/** Builds the normalized dataset the pipeline reads, keeping the earliest interaction per (user, item). */
export function buildDataset(rows: readonly FixtureInteraction[], items: readonly ItemRecord[] = [], ingestedAt = 1_690_000_000_000): FeatureSourceData {
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const kept = new Map<string, FixtureInteraction>();
  for (const row of rows) {
    const key = `${row.user}\u0000${row.item}`;
    const previous = kept.get(key);
    if (!previous || row.timestamp < previous.timestamp) kept.set(key, row);
  }
  const list = [...kept.values()];
  const indexOf = (map: Map<string, number>, ids: string[], id: string) => {
    let i = map.get(id);
    if (i === undefined) {
      i = ids.length;
      ids.push(id);
      map.set(id, i);
    }
    return i;
  };
  const user = Int32Array.from(list, (r) => indexOf(userIndex, userIds, r.user));
  const item = Int32Array.from(list, (r) => indexOf(itemIndex, itemIds, r.item));
  for (const record of items) indexOf(itemIndex, itemIds, record.itemId);
  const explicit = list.some((r) => !Number.isNaN(r.rating));
  return {
    info: {
      feedback: explicit ? 'explicit' : 'implicit',
      ratingScale: explicit ? [1, 5] : null,
      format: 'fixture',
      sources: [],
      ingestedAt,
      fingerprint: 'fixture',
    },
    interactions: {
      userIds,
      itemIds,
      user,
      item,
      rating: Float64Array.from(list, (r) => r.rating),
      weight: Float32Array.from(list, (r) => r.weight ?? 1),
      timestamp: Float64Array.from(list, (r) => r.timestamp),
    },
    items,
  };
}

/** Builds an item record with only the given fields set. */
export function itemRecord(itemId: string, fields: Partial<ItemRecord> = {}): ItemRecord {
  return {
    itemId,
    title: null,
    mainCategory: null,
    store: null,
    categories: [],
    price: null,
    averageRating: null,
    ratingNumber: null,
    extra: {},
    ...fields,
  };
}

/** Loads the reviews and metadata of the point-in-time leak case, parsed as Amazon Reviews 2023 lines. */
export function loadLeakCase(): FeatureSourceData {
  const lines = (name: string) =>
    readFileSync(sharedPath('cases', 'B11', name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const reviews = lines('reviews.jsonl').map((r) => ({
    user: String(r.user_id),
    item: String(r.parent_asin),
    rating: Number(r.rating),
    timestamp: Number(r.timestamp),
  }));
  const items = lines('meta.jsonl').map((m) =>
    itemRecord(String(m.parent_asin), {
      title: String(m.title),
      mainCategory: String(m.main_category),
      store: String(m.store),
      categories: m.categories as string[],
      price: Number(m.price),
      averageRating: Number(m.average_rating),
      ratingNumber: Number(m.rating_number),
    }),
  );
  return buildDataset(reviews, items);
}
