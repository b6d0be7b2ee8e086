import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetrievalSources } from '../../src/config/retrieval-sources.js';
import { buildDatasetInfo, buildInteractions, emptyItemRecord } from '../../src/data/dataset.js';
import { computeItemStats, computeUserStats } from '../../src/features/compute.js';
import { ITEM_STATS, USER_STATS } from '../../src/features/definitions.js';
import { columnValue } from '../../src/features/history.js';
import { runFeaturePipeline } from '../../src/features/pipeline.js';
import { getTrainingFeatures } from '../../src/features/training.js';
import { subsetInteractions } from '../../src/pipeline/interactions.js';
import { holdOutFolds, HOLD_OUT_FOLDS } from '../../src/pipeline/ranker-folds.js';
import { buildRankerRows, buildRankerRowsOverFolds, type RankerRows } from '../../src/pipeline/ranker-rows.js';
import type { RankerObjective } from '../../src/pipeline/ranker-objective.js';
import { RANK_PRIOR_WEIGHT, trainRanker } from '../../src/pipeline/ranker-training.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { parseXgboostJson } from '../../src/ranking/xgboost-json.js';
import { trainSources } from '../../src/pipeline/retrieval-training.js';
import { MergedRetriever } from '../../src/retrieval/merge-retriever.js';
import { connectDuckDb } from '../../src/store/duckdb/connection.js';
import { DuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import { SqliteOnlineStore } from '../../src/store/sqlite/online-store.js';

const DAY = 86_400_000;
const CUT = 20 * DAY;

// Eight users and twelve items: history before the cut, label-window events on and after it.
const input: { user: string; item: string; timestamp: number }[] = [];
for (let u = 0; u < 8; u++) {
  for (let i = 0; i < 12; i++) {
    if ((u * 5 + i * 7) % 3 !== 0) continue;
    input.push({ user: `u${u}`, item: `i${i}`, timestamp: (1 + ((u + 3 * i) % 18)) * DAY });
  }
}
// Label-window events; u7 has none, u6's label item is one retrieval cannot propose (seen before).
const labelEvents = [
  ['u0', 'i1', CUT],
  ['u0', 'i4', CUT + DAY],
  ['u1', 'i2', CUT + 2 * DAY],
  ['u2', 'i5', CUT + 3 * DAY],
  ['u3', 'i7', CUT + DAY],
  ['u4', 'i10', CUT + 4 * DAY],
  ['u5', 'i8', CUT + 5 * DAY],
] as const;
for (const [user, item, timestamp] of labelEvents) input.push({ user, item, timestamp });
const interactions = buildInteractions(input);
const data = { info: buildDatasetInfo(null), interactions, items: interactions.itemIds.map((id) => emptyItemRecord(id)) };

let offline: DuckDbOfflineStore;
let online: SqliteOnlineStore;
let retriever: MergedRetriever;

beforeAll(async () => {
  offline = new DuckDbOfflineStore('duckdb:///:memory:', await connectDuckDb(':memory:'));
  online = new SqliteOnlineStore('sqlite:///:memory:', new Database(':memory:'));
  await runFeaturePipeline({ offline, online, data, now: 40 * DAY, quiet: true });
  const before = subsetInteractions(interactions, (j) => interactions.timestamp[j] < CUT);
  const sources = await trainSources(before, parseRetrievalSources('popularity:1,cooccurrence:1'), { seed: 0, factors: 4, candidateCount: 6, quiet: true });
  retriever = new MergedRetriever(sources.sources, 6);
});

afterAll(async () => {
  await offline.close();
  await online.close();
});

function rowsFor(objective: RankerObjective, negativesPerUser: number | null = null): Promise<RankerRows> {
  return buildRankerRows(offline, interactions, retriever, { feedback: 'implicit', objective, cutTime: CUT, negativesPerUser });
}

/** Pairs (user, item) with an event at or after the cut, and before it. */
function pairsBy(predicate: (timestamp: number) => boolean): Set<string> {
  const pairs = new Set<string>();
  for (let j = 0; j < interactions.user.length; j++) {
    if (predicate(interactions.timestamp[j])) pairs.add(`${interactions.userIds[interactions.user[j]]}|${interactions.itemIds[interactions.item[j]]}`);
  }
  return pairs;
}

describe('candidate ranker rows', () => {
  it.each(['interaction', 'lambdarank'] as const)('%s: groups are contiguous per user and cover every row', async (objective) => {
    const rows = await rowsFor(objective);
    const groups = rows.groups!;
    expect(rows.count).toBeGreaterThan(0);
    expect(groups[0]).toBe(0);
    expect(groups[groups.length - 1]).toBe(rows.count);
    const seen = new Set<string>();
    for (let g = 0; g + 1 < groups.length; g++) {
      expect(groups[g + 1]).toBeGreaterThan(groups[g]);
      const user = rows.userIds[groups[g]];
      expect(seen.has(user)).toBe(false);
      seen.add(user);
      const ranks: number[] = [];
      for (let r = groups[g]; r < groups[g + 1]; r++) {
        expect(rows.userIds[r]).toBe(user);
        ranks.push(rows.retrievalRanks[r]);
      }
      if (objective === 'lambdarank') expect(ranks.sort((a, b) => a - b)).toEqual(ranks.map((_, k) => k + 1));
    }
  });

  it.each(['interaction', 'lambdarank'] as const)('%s: labels come from the label window only, history is never a row', async (objective) => {
    const rows = await rowsFor(objective);
    const after = pairsBy((t) => t >= CUT);
    const before = pairsBy((t) => t < CUT);
    let positives = 0;
    for (let r = 0; r < rows.count; r++) {
      const pair = `${rows.userIds[r]}|${rows.itemIds[r]}`;
      expect(before.has(pair)).toBe(false);
      expect(rows.labels[r]).toBe(after.has(pair) ? 1 : 0);
      expect(rows.timestamps[r]).toBe(CUT);
      positives += rows.labels[r];
    }
    expect(positives).toBe(rows.positives);
    expect(positives).toBeGreaterThan(0);
    // Users without label-window events get no rows.
    expect(rows.userIds).not.toContain('u7');
  });

  it('lambdarank keeps only users with a positive candidate; interaction caps negatives per user', async () => {
    const ranked = await rowsFor('lambdarank');
    const groups = ranked.groups!;
    for (let g = 0; g + 1 < groups.length; g++) {
      expect(ranked.labels.subarray(groups[g], groups[g + 1]).some((label) => label === 1)).toBe(true);
    }
    const capped = await rowsFor('interaction', 1);
    const negatives = new Map<string, number>();
    for (let r = 0; r < capped.count; r++) if (capped.labels[r] === 0) negatives.set(capped.userIds[r], (negatives.get(capped.userIds[r]) ?? 0) + 1);
    expect(Math.max(...negatives.values())).toBe(1);
    expect(capped.positives).toBe((await rowsFor('interaction')).positives);
  });

  it('features equal those computed from events before the cut only', async () => {
    const rows = await rowsFor('lambdarank');
    const trainOnly = { info: data.info, interactions: subsetInteractions(interactions, (j) => interactions.timestamp[j] < CUT), items: data.items };
    const histories = new Map([
      [USER_STATS.name, computeUserStats(trainOnly)],
      [ITEM_STATS.name, computeItemStats(trainOnly)],
    ]);
    const fromTraining = await getTrainingFeatures(offline, rows, histories);
    const names = Object.keys(rows.columns);
    expect(names.length).toBeGreaterThan(4);
    for (const name of names) {
      for (let r = 0; r < rows.count; r++) {
        expect({ name, r, value: columnValue(rows.columns[name], r) }).toEqual({ name, r, value: columnValue(fromTraining.columns[name], r) });
      }
    }
  });

  it('hold-out labels chosen interactions', async () => {
    const isLabel = (j: number) => j % 4 === 0;
    const rows = await buildRankerRows(offline, interactions, retriever, { feedback: 'implicit', objective: 'interaction', cutTime: CUT, negativesPerUser: null, isLabel });
    const held = new Set<string>();
    const firstLabel = new Map<string, number>();
    const history = new Set<string>();
    for (let j = 0; j < interactions.user.length; j++) {
      const user = interactions.userIds[interactions.user[j]];
      const pair = `${user}|${interactions.itemIds[interactions.item[j]]}`;
      if (!isLabel(j)) {
        history.add(pair);
        continue;
      }
      held.add(pair);
      firstLabel.set(user, Math.min(firstLabel.get(user) ?? Number.POSITIVE_INFINITY, interactions.timestamp[j]));
    }
    expect(rows.positives).toBeGreaterThan(0);
    for (let r = 0; r < rows.count; r++) {
      const pair = `${rows.userIds[r]}|${rows.itemIds[r]}`;
      expect(history.has(pair)).toBe(false);
      expect(rows.labels[r]).toBe(held.has(pair) ? 1 : 0);
      expect(rows.timestamps[r]).toBe(firstLabel.get(rows.userIds[r]));
    }
  });

  it('hold-out folds pick every interaction exactly once', () => {
    const folds = holdOutFolds(interactions, 3);
    expect(folds).toHaveLength(HOLD_OUT_FOLDS);
    const sizes = folds.map(() => 0);
    for (let j = 0; j < interactions.user.length; j++) {
      const picked = folds.flatMap((isLabel, f) => (isLabel(j) ? [f] : []));
      expect({ j, picked: picked.length }).toEqual({ j, picked: 1 });
      sizes[picked[0]]++;
    }
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1);
  });

  it('rows over folds concatenate each fold in order', async () => {
    const options = { feedback: 'implicit', objective: 'interaction', cutTime: CUT, negativesPerUser: null } as const;
    const folds = [];
    for (const isLabel of holdOutFolds(interactions, 0).slice(0, 2)) {
      const rest = subsetInteractions(interactions, (j) => !isLabel(j));
      const sources = await trainSources(rest, parseRetrievalSources('popularity:1,cooccurrence:1'), { seed: 0, factors: 4, candidateCount: 6, quiet: true });
      folds.push({ retriever: new MergedRetriever(sources.sources, 6), isLabel });
    }
    const combined = await buildRankerRowsOverFolds(offline, interactions, folds, options);
    const parts = await Promise.all(folds.map((fold) => buildRankerRows(offline, interactions, fold.retriever, { ...options, isLabel: fold.isLabel })));
    expect(parts[0].count).toBeGreaterThan(0);
    expect(parts[1].count).toBeGreaterThan(0);
    expect(combined.count).toBe(parts[0].count + parts[1].count);
    expect(combined.positives).toBe(parts[0].positives + parts[1].positives);
    expect(combined.groups!.length).toBe(parts[0].groups!.length + parts[1].groups!.length - 1);
    let r = 0;
    for (const part of parts) {
      for (let k = 0; k < part.count; k++, r++) {
        expect([combined.userIds[r], combined.itemIds[r], combined.labels[r], combined.timestamps[r]]).toEqual([part.userIds[k], part.itemIds[k], part.labels[k], part.timestamps[k]]);
        expect(columnValue(combined.columns.user_interaction_count, r)).toBe(columnValue(part.columns.user_interaction_count, k));
      }
    }
  });

  it('lambdarank trains rank:ndcg on the groups and keeps one group per validation user', async () => {
    const rows = await rowsFor('lambdarank');
    const trained = await trainRanker(rows, 'lambdarank', 0, true);
    expect(trained.params.objective).toBe('rank:ndcg');
    expect(trained.encoder.columns.map((c) => c.name)).toContain('retrieval_rank');
    expect(trained.metrics.training_rows + trained.metrics.validation_rows).toBe(rows.count);
  });

  it('bagged ranker is one model of every bag', async () => {
    const rows = await rowsFor('interaction');
    const single = await trainRanker(rows, 'interaction', 0, true);
    const bagged = await trainRanker(rows, 'interaction', 0, true, 3);
    const again = await trainRanker(rows, 'interaction', 0, true, 3);
    const trees = (json: string) => parseXgboostJson(json, 'ranker').trees.length;
    expect(bagged.metrics.bags).toBe(3);
    expect(trees(bagged.modelJson)).toBeGreaterThan(trees(single.modelJson));
    expect(again.modelJson).toBe(bagged.modelJson);
    expect(bagged.modelJson).not.toBe(single.modelJson);
  });

  it('interaction ranker ends with the rank prior', async () => {
    const rows = await rowsFor('interaction');
    const trained = await trainRanker(rows, 'interaction', 0, true);
    const model = parseXgboostJson(trained.modelJson, 'ranker');
    const prior = model.trees.at(-1)!;
    const rankColumn = trained.encoder.columns.findIndex((column) => column.name === 'retrieval_rank');
    const leaves = Array.from(prior.leftChildren).filter((child) => child === -1).length;
    let maxRank = 0;
    for (const rank of rows.retrievalRanks) if (rank > maxRank) maxRank = rank;
    expect(leaves).toBe(maxRank);
    expect(prior.splitIndices[0]).toBe(rankColumn);

    const matrix = new Float32Array(trained.encoder.columns.length).fill(Number.NaN);
    const margins = [1, 2].map((rank) => {
      matrix[rankColumn] = rank;
      const out = new Float32Array(1);
      new XgboostRanker(model).predictMargin(matrix, 1, out);
      return out[0];
    });
    expect(margins[1] - margins[0]).toBeCloseTo(-RANK_PRIOR_WEIGHT * Math.log(2), 5);
  });
});
