import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { ITEM_STATS, onlineGroupName } from '../../src/features/definitions.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { buildApp, type AppLimits } from '../../src/serving/app.js';
import { createFeatureReader, HISTORY_GROUP } from '../../src/serving/feature-reader.js';
import { createServingMetrics } from '../../src/serving/metrics.js';
import { ModelHolder, type ModelLoader } from '../../src/serving/model-holder.js';
import { loadRankerVersion } from '../../src/serving/ranker-loader.js';
import { singleModelRetrieval } from '../../src/serving/single-model.js';
import { FileArtifactStore } from '../../src/store/file/artifact-store.js';
import { openSqliteCandidateStore, type SqliteCandidateStore } from '../../src/store/sqlite/candidate-store.js';
import { openSqliteOnlineStore, type SqliteOnlineStore } from '../../src/store/sqlite/online-store.js';
import { openSqliteRegistryStore, type SqliteRegistryStore } from '../../src/store/sqlite/registry-store.js';
import type { CandidateStore, OnlineStore } from '../../src/store/types.js';
import { sharedPath } from '../helpers/shared.js';
import { TableRetrievalModel } from './table-retrieval-model.js';

/**
 * Users and items of the serving tests:
 * - U1 interacted with I1 and I2 and has precomputed candidates I3, I4 (tied at 0.9) and I5;
 *   I2 is also a stale candidate, so history removal is visible.
 * - U2 interacted with I1 and has no precomputed candidates (served on the fly).
 * - Unknown users get the list ordered by the unknown-user scores: I3 and I5 tie at 4.5.
 */
export const UNKNOWN_SCORES = { I1: 4.0, I2: 3.0, I3: 4.5, I4: 2.0, I5: 4.5, I6: 1.0 };
export const USER_SCORES = {
  U1: { I1: 9, I2: 8, I3: 0.9, I4: 0.9, I5: 0.5, I6: 0.1 },
  U2: { I1: 9, I2: 0.2, I3: 0.3, I4: 0.7, I5: 0.7, I6: 0.1 },
};
export const ITEM_RATING_MEAN = { I3: 2.0, I4: 4.0, I5: 4.5 };
/** Last interaction time of I3, I4 and I5: 2020-01-01 UTC. */
export const ITEM_LAST_INTERACTION = Date.UTC(2020, 0, 1);

export const TEST_LIMITS: AppLimits = { maxTopK: 100, defaultTopK: 10, maxUserIdLength: 64, bodyLimit: 1024, storeTimeoutMs: 200 };

export interface ServingFixture {
  readonly dir: string;
  readonly app: FastifyInstance;
  readonly holder: ModelHolder;
  readonly registry: ModelRegistry;
  readonly artifacts: FileArtifactStore;
  readonly candidates: SqliteCandidateStore;
  readonly online: SqliteOnlineStore;
  /** Registers and writes a ranker version from XGBoost JSON text. */
  addRanker(version: string, modelJson: string, createdAt: number): Promise<void>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Wraps the candidate store (to inject slowness). */
  wrapCandidates?: (store: CandidateStore) => CandidateStore;
  /** Wraps the online store (to inject slowness). */
  wrapOnline?: (store: OnlineStore) => OnlineStore;
  /** Skips registering any model. */
  empty?: boolean;
  /** Time of the latest training interaction the retrieval model reports (ms). */
  dataTime?: number;
  /** Receives the app's log lines (JSON, level info and above); without it the log is silent. */
  logLines?: string[];
}

/** The B19 single-leaf model: every row scores 0.5. */
export function constantRankerJson(): string {
  return readFileSync(sharedPath('cases', 'B19', 'constant_ranker.json'), 'utf8');
}

/**
 * A one-split model on `item_rating_mean`: below 3.0 scores 0.5 - 1, otherwise 0.5 + 1; a missing
 * value goes left. It shows that features reach the ranker by name.
 */
export function ratingSplitRankerJson(feature = 'item_rating_mean', threshold = 3.0): string {
  const model = JSON.parse(constantRankerJson());
  const learner = model.learner;
  learner.feature_names = ['retrieval_score', feature];
  learner.feature_types = ['float', 'float'];
  learner.learner_model_param.num_feature = '2';
  learner.objective = { name: 'reg:squarederror', reg_loss_param: { scale_pos_weight: '1' } };
  learner.gradient_booster.model.trees[0] = {
    base_weights: [0, -1, 1],
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: [1, 0, 0],
    id: 0,
    left_children: [1, -1, -1],
    loss_changes: [1, 0, 0],
    parents: [2147483647, 0, 0],
    right_children: [2, -1, -1],
    split_conditions: [threshold, -1, 1],
    split_indices: [1, 0, 0],
    split_type: [0, 0, 0],
    sum_hessian: [3, 1, 2],
    tree_param: { num_deleted: '0', num_feature: '2', num_nodes: '3', size_leaf_vector: '1' },
  };
  return JSON.stringify(model);
}

export async function createServingFixture(options: FixtureOptions = {}): Promise<ServingFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'twostage-serving-'));
  const registryStore: SqliteRegistryStore = await openSqliteRegistryStore(new URL(`sqlite://${dir}/registry.sqlite`));
  const artifacts = new FileArtifactStore(`file://${dir}/artifacts`, path.join(dir, 'artifacts'));
  const online = await openSqliteOnlineStore(new URL(`sqlite://${dir}/online.sqlite`));
  const candidates = await openSqliteCandidateStore(new URL(`sqlite://${dir}/candidates.sqlite`));
  const registry = new ModelRegistry(registryStore, candidates);

  await seedStores(online, candidates);

  const model = new TableRetrievalModel(USER_SCORES, UNKNOWN_SCORES);
  const loader: ModelLoader = {
    loadRetrieval: async (record) =>
      singleModelRetrieval(model, { version: record.version, candidateVersion: record.candidateVersion, feedback: 'explicit', maxTopK: TEST_LIMITS.maxTopK, dataTime: options.dataTime }),
    loadRanker: (record) => loadRankerVersion(artifacts, record),
  };
  const lines = options.logLines;
  const log = lines ? pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) : pino({ level: 'silent' });
  const holder = new ModelHolder(registry, loader, log);

  const addRanker = async (version: string, modelJson: string, createdAt: number) => {
    const key = `models/ranker/${version}`;
    await artifacts.putDirectory(key, new Map([['model.json', Buffer.from(modelJson)]]));
    await registry.register({ kind: 'ranker', version, params: {}, metrics: {}, dataFingerprint: 'fixture', artifactKey: key, createdAt });
  };

  if (!options.empty) {
    await registry.register({ kind: 'retrieval', version: 's1', params: {}, metrics: {}, dataFingerprint: 'fixture', artifactKey: 'models/retrieval/s1', candidateVersion: 'c1', createdAt: 1_000 });
    await registry.promote('retrieval', 's1');
    await addRanker('r1', constantRankerJson(), 1_000);
    await registry.promote('ranker', 'r1');
    await holder.refresh();
  }

  const servedCandidates = options.wrapCandidates?.(candidates) ?? candidates;
  const servedOnline = options.wrapOnline?.(online) ?? online;
  const app = await buildApp({
    limits: TEST_LIMITS,
    holder,
    recommendDeps: {
      candidates: servedCandidates,
      features: createFeatureReader(servedOnline),
      storeTimeoutMs: TEST_LIMITS.storeTimeoutMs,
      candidateCount: 100,
    },
    stores: [
      { name: 'candidates', ping: () => servedCandidates.ping() },
      { name: 'online', ping: () => servedOnline.ping() },
      { name: 'registry', ping: () => registryStore.ping() },
    ],
    metrics: createServingMetrics(),
    logger: log,
  });

  return {
    dir,
    app,
    holder,
    registry,
    artifacts,
    candidates,
    online,
    addRanker,
    async close() {
      await app.close();
      await online.close();
      await candidates.close();
      await registryStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function seedStores(online: SqliteOnlineStore, candidates: SqliteCandidateStore): Promise<void> {
  const writer = await candidates.beginVersion('c1');
  await writer.write([
    {
      userId: 'U1',
      items: [
        { itemId: 'I3', score: 0.9 },
        { itemId: 'I4', score: 0.9 },
        { itemId: 'I2', score: 0.8 },
        { itemId: 'I5', score: 0.5 },
      ],
    },
  ]);
  await writer.commit();

  await online.putLatest(HISTORY_GROUP, [
    { entityId: 'U1', eventTime: 1, createdTime: 1, values: { items: ['I1', 'I2'] } },
    { entityId: 'U2', eventTime: 1, createdTime: 1, values: { items: ['I1'] } },
  ]);
  await online.putLatest(
    onlineGroupName(ITEM_STATS),
    Object.entries(ITEM_RATING_MEAN).map(([entityId, mean]) => ({
      entityId,
      eventTime: ITEM_LAST_INTERACTION,
      createdTime: ITEM_LAST_INTERACTION,
      values: { item_rating_mean: mean, item_last_interaction_time: ITEM_LAST_INTERACTION },
    })),
  );
}

/** Wraps a store so every method call waits `ms` ms before running. */
export function slowStore<T extends object>(store: T, ms: number): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
