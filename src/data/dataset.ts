import { TwostageError } from '../errors.js';
import type { CellValue, OfflineStore } from '../store/types.js';
import type { IngestSummary } from './summary.js';
import { DATASET_INFO_TABLE, INTERACTIONS_TABLE, ITEMS_TABLE, USERS_TABLE } from './tables.js';
import type { DatasetInfo, FeedbackKind, Interactions, ItemRecord } from './types.js';

export { ingestFiles, type IngestOptions } from './ingest.js';
export type { IngestSummary, SourceSummary } from './summary.js';
export { formatSummary } from './summary.js';
export type { CsvMapping, FormatName } from './formats/context.js';
export { FORMAT_NAMES } from './formats/context.js';
export type { OnBadLine, BadLine } from './bad-lines.js';
export { DATASET_TABLES, INTERACTIONS_TABLE, ITEMS_TABLE, USERS_TABLE, DATASET_INFO_TABLE } from './tables.js';
export { emptyItemRecord } from './item-sink.js';

/** Attributes of one user from a user file (MovieLens age, gender, occupation; Online Retail country); empty when none. */
export interface UserRecord {
  readonly userId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The ingested dataset as later stages read it. */
export interface Dataset {
  readonly info: DatasetInfo;
  readonly interactions: Interactions;
  /** One record per item index: `items[i].itemId === interactions.itemIds[i]`; fields are null where the item has no metadata. */
  readonly items: ItemRecord[];
  /** One record per user index: `users[u].userId === interactions.userIds[u]`. */
  readonly users: UserRecord[];
  /** Items with at least one interaction: indices `0 … itemsWithInteractions - 1`; the rest are metadata-only items. */
  readonly itemsWithInteractions: number;
  /** The summary of the ingest that wrote this dataset. */
  readonly summary: IngestSummary;
}

/**
 * Reads the dataset of the last successful ingest. Interactions come in input order (the order
 * trainers visit them); `items` and `users` are indexed like `interactions.itemIds` and
 * `interactions.userIds`. Throws REC_ERR_DATASET_MISSING when nothing was ingested.
 */
export async function loadDataset(store: OfflineStore): Promise<Dataset> {
  if (!(await store.hasTable(DATASET_INFO_TABLE.name)) || (await store.countRows(DATASET_INFO_TABLE.name)) === 0) {
    throw new TwostageError('REC_ERR_DATASET_MISSING', `no dataset in the offline store ${store.url}: run twostage ingest PATH first`);
  }
  const infoColumns = await store.readTable(DATASET_INFO_TABLE.name);
  const summary = infoColumns.summary[0] as unknown as IngestSummary;
  const info: DatasetInfo = {
    feedback: infoColumns.feedback[0] as FeedbackKind,
    ratingScale: infoColumns.rating_min[0] === null ? null : [Number(infoColumns.rating_min[0]), Number(infoColumns.rating_max[0])],
    format: String(infoColumns.format[0]),
    sources: infoColumns.sources[0] as string[],
    ingestedAt: Number(infoColumns.ingested_at[0]),
    fingerprint: String(infoColumns.fingerprint[0]),
  };

  const users = await store.readTable(USERS_TABLE.name, { columns: ['user_id', 'attributes'], orderBy: ['user_index'] });
  const items = await store.readTable(ITEMS_TABLE.name, { orderBy: ['item_index'] });
  const rows = await store.readTable(INTERACTIONS_TABLE.name, {
    columns: ['user_index', 'item_index', 'rating', 'weight', 'timestamp'],
    orderBy: ['input_order'],
  });

  const userIds = users.user_id.map(String);
  const itemIds = items.item_id.map(String);
  const interactions: Interactions = {
    userIds,
    itemIds,
    user: Int32Array.from(rows.user_index as number[]),
    item: Int32Array.from(rows.item_index as number[]),
    rating: Float64Array.from(rows.rating, toNumberOrNaN),
    weight: Float32Array.from(rows.weight, toNumberOrNaN),
    timestamp: Float64Array.from(rows.timestamp, toNumberOrNaN),
  };
  return {
    info,
    interactions,
    items: itemIds.map((_, i) => itemRecordOf(items, i)),
    users: userIds.map((userId, u) => ({ userId, attributes: (users.attributes[u] as Record<string, unknown> | null) ?? {} })),
    itemsWithInteractions: summary.itemsWithInteractions,
    summary,
  };
}

function toNumberOrNaN(value: CellValue): number {
  return value === null ? Number.NaN : Number(value);
}

function itemRecordOf(items: Record<string, CellValue[]>, i: number): ItemRecord {
  const text = (column: string) => (items[column][i] === null ? null : String(items[column][i]));
  const number = (column: string) => (items[column][i] === null ? null : Number(items[column][i]));
  return {
    itemId: String(items.item_id[i]),
    title: text('title'),
    mainCategory: text('main_category'),
    store: text('store'),
    categories: (items.categories[i] as string[] | null) ?? [],
    price: number('price'),
    averageRating: number('average_rating'),
    ratingNumber: number('rating_number'),
    extra: (items.extra[i] as Record<string, unknown> | null) ?? {},
  };
}

/** One interaction for `buildInteractions`; ids are raw strings. */
export interface InteractionInput {
  readonly user: string;
  readonly item: string;
  /** Omitted or null for implicit feedback. */
  readonly rating?: number | null;
  /** ms since the Unix epoch; NaN when omitted. */
  readonly timestamp?: number;
  /** 1 when omitted. */
  readonly weight?: number;
}

/**
 * Builds `Interactions` in memory, for tests and small callers. Dense indices follow first
 * appearance, as in an ingest; `extraItems` are appended after the items of the interactions, as
 * metadata-only items are. No deduplication or rating check is applied: the input is taken as
 * already normalized.
 */
export function buildInteractions(input: readonly InteractionInput[], extraItems: readonly string[] = []): Interactions {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const indexOf = (map: Map<string, number>, id: string) => {
    let found = map.get(id);
    if (found === undefined) {
      found = map.size;
      map.set(id, found);
    }
    return found;
  };
  const n = input.length;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const rating = new Float64Array(n);
  const weight = new Float32Array(n);
  const timestamp = new Float64Array(n);
  input.forEach((row, j) => {
    user[j] = indexOf(userIndex, row.user);
    item[j] = indexOf(itemIndex, row.item);
    rating[j] = row.rating ?? Number.NaN;
    weight[j] = row.weight ?? 1;
    timestamp[j] = row.timestamp ?? Number.NaN;
  });
  for (const id of extraItems) indexOf(itemIndex, id);
  return { userIds: [...userIndex.keys()], itemIds: [...itemIndex.keys()], user, item, rating, weight, timestamp };
}

/** Builds a DatasetInfo for an in-memory dataset (tests): explicit when a rating scale is given. */
export function buildDatasetInfo(ratingScale: readonly [number, number] | null, overrides: Partial<DatasetInfo> = {}): DatasetInfo {
  return {
    feedback: ratingScale ? 'explicit' : 'implicit',
    ratingScale,
    format: 'memory',
    sources: [],
    ingestedAt: 0,
    fingerprint: 'memory',
    ...overrides,
  };
}
