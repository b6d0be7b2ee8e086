/**
 * The feature pipeline: compute every group's history from the dataset, append what is new to
 * the offline store, then materialize the latest records into the online store.
 */
import { getLogger } from '../log.js';
import { startProgress } from '../progress.js';
import type { OfflineStore, OnlineStore } from '../store/types.js';
import { planAppend } from './append-plan.js';
import { computeItemAttributes, computeItemSnapshot, computeItemStats, computeItemTrend, computeUserCategories, computeUserStats, timedInteractions, type FeatureSourceData } from './compute.js';
import { FEATURE_GROUPS, historyTableName, ITEM_ATTRIBUTES, ITEM_PRICE, ITEM_SNAPSHOT, ITEM_STATS, ITEM_TREND, onlineGroupName, outputFeatures, snapshotFeatureNames, USER_CATEGORIES, USER_STATS } from './definitions.js';
import { appendHistory, readHistory } from './history.js';
import { materializeOnline } from './online.js';
import type { FeatureGroup, FeatureHistory } from './types.js';

export interface FeaturePipelineOptions {
  readonly offline: OfflineStore;
  readonly online: OnlineStore;
  readonly data: FeatureSourceData;
  /** History of the `item_price` group (see `loadPriceHistory`); without it the stored price history is kept as it is. */
  readonly priceHistory?: FeatureHistory;
  /** Run time in ms: created time of corrections and the "now" the online store is materialized as of (default: Date.now()). */
  readonly now?: number;
  /** Log lines instead of a progress bar, even on a terminal. */
  readonly quiet?: boolean;
}

export interface FeatureGroupSummary {
  readonly group: string;
  readonly version: number;
  readonly entity: string;
  readonly table: string;
  readonly onlineGroup: string;
  readonly snapshot: boolean;
  /** Source of the records: `interactions`, `item metadata`, `price history file`, or `none` when the group was not recomputed. */
  readonly source: string;
  readonly features: readonly string[];
  /** Records in the offline history after the run. */
  readonly storedRecords: number;
  readonly addedRecords: number;
  readonly correctionRecords: number;
  readonly unchangedKeys: number;
  /** Entities written to the online store. */
  readonly onlineEntities: number;
}

export interface FeaturePipelineSummary {
  readonly feedback: string;
  readonly now: number;
  readonly groups: readonly FeatureGroupSummary[];
  /** Features that exist only as a crawl-time snapshot; training joins and exports leave them out. */
  readonly snapshotFeatures: readonly string[];
  /** Interactions without a valid time, left out of every aggregate. */
  readonly interactionsWithoutTime: number;
  readonly elapsedMs: number;
}

interface GroupSource {
  readonly group: FeatureGroup;
  readonly source: string;
  readonly compute: (() => FeatureHistory) | null;
}

/**
 * Runs the pipeline. Idempotent: a second run on the same data appends nothing and writes the same
 * online values. A changed dataset appends only new and correcting records (see `planAppend`).
 */
export async function runFeaturePipeline(options: FeaturePipelineOptions): Promise<FeaturePipelineSummary> {
  const started = Date.now();
  const now = options.now ?? started;
  const log = getLogger();
  const { data, offline, online } = options;
  const priceHistory = options.priceHistory;
  const sources: GroupSource[] = [
    { group: USER_STATS, source: 'interactions', compute: () => computeUserStats(data) },
    { group: USER_CATEGORIES, source: 'interactions and item metadata', compute: () => computeUserCategories(data) },
    { group: ITEM_STATS, source: 'interactions', compute: () => computeItemStats(data) },
    { group: ITEM_TREND, source: 'interactions', compute: () => computeItemTrend(data) },
    { group: ITEM_ATTRIBUTES, source: 'item metadata', compute: () => computeItemAttributes(data) },
    { group: ITEM_PRICE, source: priceHistory ? 'price history file' : 'none', compute: priceHistory ? () => priceHistory : null },
    { group: ITEM_SNAPSHOT, source: 'item metadata', compute: () => computeItemSnapshot(data) },
  ];
  if (sources.length !== FEATURE_GROUPS.length) throw new Error('the feature pipeline does not compute every declared feature group');

  const progress = startProgress({ label: 'features', total: sources.length, unit: 'groups', quiet: options.quiet });
  const groups: FeatureGroupSummary[] = [];
  for (const [i, { group, source, compute }] of sources.entries()) {
    groups.push(await runGroup(offline, online, group, source, compute, now));
    log.info({ ...groups[groups.length - 1] }, 'feature group done');
    progress.update(i + 1);
  }
  progress.finish();

  const snapshotFeatures = snapshotFeatureNames();
  log.info({ features: snapshotFeatures }, 'snapshot features are excluded from training joins because they leak information from crawl time');
  const interactionsWithoutTime = data.interactions.timestamp.length - timedInteractions(data.interactions.timestamp).length;
  if (interactionsWithoutTime > 0) log.warn({ interactionsWithoutTime }, 'interactions without a time are left out of user and item aggregates');
  return { feedback: data.info.feedback, now, groups, snapshotFeatures, interactionsWithoutTime, elapsedMs: Date.now() - started };
}

async function runGroup(
  offline: OfflineStore,
  online: OnlineStore,
  group: FeatureGroup,
  source: string,
  compute: (() => FeatureHistory) | null,
  now: number,
): Promise<FeatureGroupSummary> {
  let stored = await readHistory(offline, group);
  let added = 0;
  let corrections = 0;
  let unchanged = 0;
  if (compute) {
    const plan = planAppend(group, stored, compute(), now);
    await appendHistory(offline, group, plan.records);
    ({ added, corrections, unchanged } = plan);
    if (plan.records.entityIds.length > 0) stored = await readHistory(offline, group);
  }
  const onlineEntities = await materializeOnline(online, group, stored, now);
  return {
    group: group.name,
    version: group.version,
    entity: group.entity,
    table: historyTableName(group),
    onlineGroup: onlineGroupName(group),
    snapshot: group.snapshot,
    source,
    features: outputFeatures(group).map((f) => f.name),
    storedRecords: stored.entityIds.length,
    addedRecords: added,
    correctionRecords: corrections,
    unchangedKeys: unchanged,
    onlineEntities,
  };
}
