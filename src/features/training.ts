/**
 * Training-table features: every user and item feature of the non-snapshot groups, point in time,
 * and the user–item pair features computed from them, for (user, item, timestamp) rows. The ranking-dataset builder and `twostage features export`
 * both use it, so they produce the same columns.
 */
import type { OfflineStore } from '../store/types.js';
import { TwostageError } from '../errors.js';
import { historyTableName, ITEM_STATS, snapshotFeatureNames, TRAINING_GROUPS, trainingFeatures, USER_STATS } from './definitions.js';
import { joinHistory } from './historical.js';
import { readHistory } from './history.js';
import { pairFeatureColumns } from './pair.js';
import type { FeatureColumn, FeatureColumnSpec, FeatureGroup, FeatureHistory } from './types.js';

/** Row i requests user `userIds[i]` and item `itemIds[i]` as of `timestamps[i]` (ms). */
export interface TrainingRows {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly timestamps: Float64Array | readonly number[];
}

export interface TrainingFeatures {
  /** Output features in column order: `trainingFeatures()`. */
  readonly features: readonly FeatureColumnSpec[];
  /** One column per feature, one value per row, in row order. */
  readonly columns: Readonly<Record<string, FeatureColumn>>;
  /** Snapshot features left out because they would leak crawl-time information. */
  readonly excludedSnapshotFeatures: readonly string[];
  /** Rows that found a record, by group name; the other rows have missing values for that group. */
  readonly matchedRows: Readonly<Record<string, number>>;
}

/**
 * Joins every training group onto the rows. Histories are read from the offline store once per
 * call; pass `histories` (by group name) to reuse loaded ones.
 */
export async function getTrainingFeatures(
  offline: OfflineStore,
  rows: TrainingRows,
  histories: ReadonlyMap<string, FeatureHistory> = new Map(),
): Promise<TrainingFeatures> {
  if (rows.userIds.length !== rows.itemIds.length || rows.userIds.length !== rows.timestamps.length) {
    throw new Error(`training rows have ${rows.userIds.length} user ids, ${rows.itemIds.length} item ids and ${rows.timestamps.length} timestamps; expected equal counts`);
  }
  await requireComputedHistories(offline, histories);
  const timestamps = rows.timestamps instanceof Float64Array ? rows.timestamps : Float64Array.from(rows.timestamps);
  const columns: Record<string, FeatureColumn> = {};
  const matchedRows: Record<string, number> = {};
  for (const group of TRAINING_GROUPS) {
    const history = histories.get(group.name) ?? (await readHistory(offline, group));
    const frame = joinHistory(group, history, { entityIds: entityIdsFor(group, rows), timestamps });
    Object.assign(columns, frame.columns);
    matchedRows[group.name] = frame.recordIndex.reduce((n, r) => (r >= 0 ? n + 1 : n), 0);
  }
  Object.assign(columns, pairFeatureColumns(columns, timestamps.length));
  return { features: trainingFeatures(), columns, excludedSnapshotFeatures: snapshotFeatureNames(), matchedRows };
}

/**
 * Throws when the pipeline has not computed the interaction aggregates, because a join against a
 * missing history would quietly return missing values for every row.
 */
async function requireComputedHistories(offline: OfflineStore, histories: ReadonlyMap<string, FeatureHistory>): Promise<void> {
  for (const group of [USER_STATS, ITEM_STATS]) {
    if (histories.has(group.name) || (await offline.hasTable(historyTableName(group)))) continue;
    throw new TwostageError('REC_ERR_FEATURES_MISSING', `no feature history ${historyTableName(group)} in the offline store ${offline.url}: run twostage features first`);
  }
}

function entityIdsFor(group: FeatureGroup, rows: TrainingRows): readonly string[] {
  return group.entity === 'user' ? rows.userIds : rows.itemIds;
}
