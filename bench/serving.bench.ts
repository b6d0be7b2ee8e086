import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { pacedLoad } from './paced-load.js';
import { loadConfig, type Config } from '../src/config/load.js';
import type { Interactions } from '../src/data/types.js';
import { ITEM_ATTRIBUTES, ITEM_STATS, onlineGroupName, trainingFeatures, USER_STATS } from '../src/features/definitions.js';
import { ModelRegistry } from '../src/registry/registry.js';
import { saveRetrievalBundle } from '../src/registry/retrieval-bundle.js';
import { trainGbdt } from '../src/ranking/gbdt/train.js';
import { serializeXgboostJson } from '../src/ranking/xgboost-json-write.js';
import { trainPopularityModel } from '../src/retrieval/implicit/train.js';
import { RETRIEVAL_SCORE_FEATURE, type EncoderSpec } from '../src/serving/encoder.js';
import { HISTORY_GROUP } from '../src/serving/feature-reader.js';
import { RANKER_ENCODER_FILE, RANKER_MODEL_FILE } from '../src/serving/ranker-loader.js';
import { openArtifactStore, openCandidateStore, openOnlineStore, openRegistryStore } from '../src/store/open.js';
import { closeRedis, connectRedis } from '../src/store/redis/connection.js';
import type { Cluster, Redis } from 'ioredis';
import type { Candidate } from '../src/store/types.js';

/**
 * Load test of POST /recommendations on three setups in the same run: the embedded stores
 * (SQLite candidates and features) served by one process and by SERVE_WORKERS=2 processes, and
 * Redis on 127.0.0.1:6379 (candidates and features under a random key prefix, removed afterwards).
 * Each setup uses a local artifact folder and a SQLite registry in its own temporary WORKDIR: 100
 * candidates per user ranked by a 200-tree depth-6 model, top_k 10. Each API runs in its own
 * process (and its workers), one after the other; autocannon sends from this one, all on 127.0.0.1.
 * Runs per server, with autocannon: the baseline GET /health/live at the target rate, POST
 * /recommendations at the target rate, then POST at the highest rate the server sustains. Then
 * the baseline route and POST paced evenly at the target rate by `pacedLoad` (open loop), whose
 * p99 the target is judged on, because autocannon's rate limit sends bursts (see paced-load.ts).
 * Last, POST with autocannon at the target rate over 2 connections, whose bursts hold at most two
 * requests at once. Bounded: about two and a half minutes.
 */
const USERS = 2_000;
const ITEMS = 5_000;
const CANDIDATES = 100;
const TARGET_RATE = 1_000;
const RUN_SECONDS = 10;
const BASELINE_SECONDS = 5;
const MAX_RATE_SECONDS = 5;
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const CONNECTIONS = 10;
/** Connections of the last autocannon run: its bursts hold at most this many requests at once. */
const FEW_CONNECTIONS = 2;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const userId = (u: number) => `U${String(u).padStart(5, '0')}`;
const itemId = (i: number) => `I${String(i).padStart(5, '0')}`;

/** Seeds the candidate, online, artifact and registry stores of `config` with the benchmark data and the given ranker files. */
export async function seedStores(config: Config, rankerFiles: ReadonlyMap<string, Buffer>): Promise<void> {
  const next = random(1);
  const online = await openOnlineStore(config);
  const candidates = await openCandidateStore(config);
  const artifacts = await openArtifactStore(config);
  const registryStore = await openRegistryStore(config);
  const registry = new ModelRegistry(registryStore, candidates);
  try {
    // Interactions: 10 items per user, for the popularity source and the history group.
    const user = new Int32Array(USERS * 10);
    const item = new Int32Array(USERS * 10);
    for (let j = 0; j < user.length; j++) {
      user[j] = Math.floor(j / 10);
      item[j] = Math.floor(next() * next() * ITEMS);
    }
    const interactions: Interactions = {
      userIds: Array.from({ length: USERS }, (_, u) => userId(u)),
      itemIds: Array.from({ length: ITEMS }, (_, i) => itemId(i)),
      user,
      item,
      rating: new Float64Array(user.length).fill(Number.NaN),
      weight: new Float32Array(user.length).fill(1),
      timestamp: Float64Array.from(user, (_, j) => 1_600_000_000_000 + j * 60_000),
    };
    const popularity = trainPopularityModel(interactions);
    await saveRetrievalBundle(
      artifacts,
      'models/retrieval/bench',
      {
        format: 'twostage-retrieval-bundle',
        version: 1,
        feedback: 'implicit',
        candidateCount: CANDIDATES,
        sources: [{ name: 'popularity', quota: CANDIDATES }],
        fallback: [{ itemId: itemId(0), score: 1 }],
        fallbackMethod: 'benchmark',
      },
      new Map([['popularity', popularity]]),
      { version: 'bench', dataFingerprint: 'bench', createdAt: Date.now() },
    );

    const writer = await candidates.beginVersion('bench');
    for (let start = 0; start < USERS; start += 500) {
      const lists = [];
      for (let u = start; u < Math.min(USERS, start + 500); u++) {
        const items: Candidate[] = [];
        for (let k = 0; k < CANDIDATES; k++) {
          const score = 1 - k / CANDIDATES;
          items.push({ itemId: itemId((u * 37 + k * 101) % ITEMS), score, extras: { popularity_score: score * 100, popularity_rank: k + 1 } });
        }
        lists.push({ userId: userId(u), items });
      }
      await writer.write(lists);
    }
    await writer.commit();

    const time = 1_700_000_000_000;
    await online.putLatest(onlineGroupName(USER_STATS), interactions.userIds.map((id) => ({ entityId: id, eventTime: time, createdTime: time, values: { user_interaction_count: 10, user_weight_sum: 10, user_rating_count: 0, user_rating_mean: null, user_rating_std: null, user_first_interaction_time: time - 9e9, user_last_interaction_time: time } })));
    await online.putLatest(onlineGroupName(ITEM_STATS), interactions.itemIds.map((id) => ({ entityId: id, eventTime: time, createdTime: time, values: { item_interaction_count: Math.floor(next() * 50), item_weight_sum: Math.floor(next() * 80), item_rating_count: 0, item_rating_mean: null, item_rating_std: null, item_first_interaction_time: time - 8e9, item_last_interaction_time: time - next() * 1e9 } })));
    await online.putLatest(onlineGroupName(ITEM_ATTRIBUTES), interactions.itemIds.map((id, i) => ({ entityId: id, eventTime: 0, createdTime: 0, values: { item_main_category: `cat${i % 7}`, item_store: `store${i % 13}`, item_category_l1: `cat${i % 7}`, item_categories: [`cat${i % 7}`], item_category_depth: 1, item_title_length: 20 + (i % 40) } })));
    await online.putLatest(HISTORY_GROUP, interactions.userIds.map((id, u) => ({ entityId: id, eventTime: time, createdTime: time, values: { items: Array.from({ length: 10 }, (_, k) => itemId(item[u * 10 + k])) } })));

    await artifacts.putDirectory('models/ranker/bench', rankerFiles);

    await registry.register({ kind: 'retrieval', version: 'bench', params: {}, metrics: {}, dataFingerprint: 'bench', artifactKey: 'models/retrieval/bench', candidateVersion: 'bench' });
    await registry.promote('retrieval', 'bench');
    await registry.register({ kind: 'ranker', version: 'bench', params: {}, metrics: {}, dataFingerprint: 'bench', artifactKey: 'models/ranker/bench' });
    await registry.promote('ranker', 'bench');
  } finally {
    await registryStore.close();
    await artifacts.close();
    await candidates.close();
    await online.close();
  }
}

/** Trains the ranker once for every store setup: 200 rounds of depth-6 trees on random rows of the serving features. */
export async function trainBenchRanker(): Promise<ReadonlyMap<string, Buffer>> {
  const next = random(2);
  const spec: EncoderSpec = {
    format: 'twostage-encoder',
    version: 1,
    columns: [
      ...trainingFeatures()
        .filter((f) => f.type === 'numeric')
        .map((f) => ({ name: f.name, source: f.name, kind: 'numeric' as const })),
      ...Array.from({ length: 7 }, (_, c) => ({ name: `item_main_category=cat${c}`, source: 'item_main_category', kind: 'one_hot' as const, category: `cat${c}` })),
      { name: RETRIEVAL_SCORE_FEATURE, source: RETRIEVAL_SCORE_FEATURE, kind: 'numeric' },
      { name: 'popularity_rank', source: 'popularity_rank', kind: 'numeric' },
      { name: 'popularity_score', source: 'popularity_score', kind: 'numeric' },
    ],
  };
  const width = spec.columns.length;
  const rows = 20_000;
  const matrix = Float32Array.from({ length: rows * width }, () => next() * 100);
  const labels = Float32Array.from({ length: rows }, (_, r) => (matrix[r * width] + matrix[r * width + 1] * next() > 80 ? 1 : 0));
  const trained = await trainGbdt(
    { objective: 'binary:logistic', max_depth: 6, eta: 0.1, num_boost_round: 200, min_child_weight: 0, seed: 0 },
    { matrix, rows, featureNames: spec.columns.map((c) => c.name), labels },
    { progress: false },
  );
  console.log(`ranker: ${trained.model.trees.length} trees, max depth ${Math.max(...trained.model.trees.map(treeDepth))}, ${width} features`);
  return new Map([
    [RANKER_MODEL_FILE, Buffer.from(serializeXgboostJson(trained.model))],
    [RANKER_ENCODER_FILE, Buffer.from(JSON.stringify(spec))],
  ]);
}

function treeDepth(tree: { leftChildren: Int32Array; rightChildren: Int32Array }): number {
  const depthOf = (node: number): number => (tree.leftChildren[node] === -1 ? 0 : 1 + Math.max(depthOf(tree.leftChildren[node]), depthOf(tree.rightChildren[node])));
  return depthOf(0);
}

interface RunFigures {
  name: string;
  /** Server CPU time (user + system) per completed request, ms: less sensitive to machine load than latency. */
  cpuMsPerRequest: number;
  /** CPU time of the Redis server per request, ms (INFO cpu, so any other client of that server counts too); null on the embedded stores. */
  storeCpuMsPerRequest: number | null;
  /** CPU time of the paced load generator per request, ms; null for autocannon runs. */
  clientCpuMsPerRequest: number | null;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** CPU time (user + system) of every process that serves requests (all SERVE_WORKERS workers), ms. */
async function serverCpuMs(child: ChildProcess): Promise<number> {
  const reply = new Promise<number>((resolve) => {
    const onMessage = (message: unknown) => {
      const cpuMs = (message as { cpuMs?: number }).cpuMs;
      if (cpuMs === undefined) return;
      child.off('message', onMessage);
      resolve(cpuMs);
    };
    child.on('message', onMessage);
  });
  child.send('cpu');
  return reply;
}

/** CPU time (user + system) the Redis server has used since it started, ms. */
async function redisCpuMs(client: Redis | Cluster): Promise<number> {
  const info = await (client as Redis).info('cpu');
  const field = (name: string) => Number(new RegExp(`^used_cpu_${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (field('sys') + field('user')) * 1000;
}

async function load(
  child: ChildProcess,
  url: string,
  name: string,
  options: { post: boolean; rate?: number; seconds: number; store?: Redis | Cluster; connections?: number },
): Promise<RunFigures> {
  let counter = 0;
  const cpuBefore = await serverCpuMs(child);
  const storeCpuBefore = options.store ? await redisCpuMs(options.store) : 0;
  const result = await autocannon({
    url,
    connections: options.connections ?? CONNECTIONS,
    duration: options.seconds,
    overallRate: options.rate,
    requests: options.post
      ? [
          {
            method: 'POST' as const,
            path: '/recommendations',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ user_id: userId(counter++ % USERS), top_k: 10 }) }),
          },
        ]
      : [{ method: 'GET' as const, path: '/health/live' }],
  });
  const cpuMs = (await serverCpuMs(child)) - cpuBefore;
  const storeCpuMs = options.store ? (await redisCpuMs(options.store)) - storeCpuBefore : null;
  const requests = Math.max(result.requests.total, 1);
  return {
    name,
    cpuMsPerRequest: cpuMs / requests,
    storeCpuMsPerRequest: storeCpuMs === null ? null : storeCpuMs / requests,
    clientCpuMsPerRequest: null,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Like `load`, but paced evenly at `rate` by `pacedLoad` (open loop) instead of autocannon. */
async function paced(child: ChildProcess, url: string, name: string, options: { post: boolean; rate: number; seconds: number; store?: Redis | Cluster }): Promise<RunFigures> {
  const cpuBefore = await serverCpuMs(child);
  const storeCpuBefore = options.store ? await redisCpuMs(options.store) : 0;
  const result = await pacedLoad(url, options.rate, options.seconds, (index) =>
    options.post
      ? { method: 'POST', path: '/recommendations', body: JSON.stringify({ user_id: userId(index % USERS), top_k: 10 }) }
      : { method: 'GET', path: '/health/live' },
  );
  const cpuMs = (await serverCpuMs(child)) - cpuBefore;
  const storeCpuMs = options.store ? (await redisCpuMs(options.store)) - storeCpuBefore : null;
  const requests = Math.max(result.ok + result.non2xx, 1);
  return {
    name,
    cpuMsPerRequest: cpuMs / requests,
    storeCpuMsPerRequest: storeCpuMs === null ? null : storeCpuMs / requests,
    clientCpuMsPerRequest: result.clientCpuMsPerRequest,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** One store setup under test: its name in the table, its temporary WORKDIR and the environment of its server. */
interface Setup {
  readonly name: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Whether the stores are on Redis, so the Redis server's CPU time is measured too. */
  readonly redis: boolean;
}

function makeSetup(name: string, redis: boolean, extraEnv: Record<string, string>): Setup {
  const dir = mkdtempSync(path.join(tmpdir(), 'twostage-bench-serving-'));
  return { name, dir, redis, env: { ...process.env, WORKDIR: dir, LOG_LEVEL: 'warn', MODEL_POLL_MS: '60000', ...extraEnv } };
}

/** Seeds one setup's stores, starts its API process, runs the load and stops the process. */
async function measure(setup: Setup, rankerFiles: ReadonlyMap<string, Buffer>): Promise<RunFigures[]> {
  const { config } = loadConfig({ cwd: setup.dir, env: setup.env });
  const seedStart = performance.now();
  await seedStores(config, rankerFiles);
  console.log(`${setup.name}: stores seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const serverFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serving-server.js');
  const store = setup.redis ? (await connectRedis('benchmark CPU probe', new URL(REDIS_URL), 5_000)).client : undefined;
  const child = fork(serverFile, [], { env: setup.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { url: string }).url));
      child.once('exit', (code) => reject(new Error(`the ${setup.name} benchmark server exited with code ${code}`)));
    });
    await load(child, url, 'warm-up', { post: true, seconds: 2, store });
    return [
      await load(child, url, 'GET /health/live (baseline)', { post: false, rate: TARGET_RATE, seconds: BASELINE_SECONDS, store }),
      await load(child, url, `POST /recommendations at ${TARGET_RATE}/s`, { post: true, rate: TARGET_RATE, seconds: RUN_SECONDS, store }),
      await load(child, url, 'POST /recommendations, max rate', { post: true, seconds: MAX_RATE_SECONDS, store }),
      await paced(child, url, `GET /health/live paced ${TARGET_RATE}/s`, { post: false, rate: TARGET_RATE, seconds: BASELINE_SECONDS, store }),
      await paced(child, url, `POST /recommendations paced ${TARGET_RATE}/s`, { post: true, rate: TARGET_RATE, seconds: RUN_SECONDS, store }),
      await load(child, url, `POST at ${TARGET_RATE}/s, ${FEW_CONNECTIONS} connections`, { post: true, rate: TARGET_RATE, seconds: RUN_SECONDS, store, connections: FEW_CONNECTIONS }),
    ];
  } finally {
    if (store) await closeRedis(store);
    if (child.exitCode === null && child.signalCode === null) child.send('stop');
    await exited;
  }
}

/** Removes every key under `prefix` on the benchmark's Redis server. */
async function deleteRedisKeys(prefix: string): Promise<number> {
  const { client } = await connectRedis('benchmark cleanup', new URL(REDIS_URL), 5_000);
  let deleted = 0;
  try {
    if (!('scanStream' in client)) throw new Error(`${REDIS_URL} must be a single Redis server, not a cluster`);
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1_000 })) {
      const batch = keys as string[];
      if (batch.length > 0) deleted += await client.unlink(...batch);
    }
  } finally {
    await closeRedis(client);
  }
  return deleted;
}

function printRows(setup: string, runs: readonly RunFigures[]): void {
  for (const r of runs) {
    console.log(
      `${setup.padEnd(10)} ${r.name.padEnd(36)} ${r.rps.toFixed(0).padStart(6)}  ${formatMs(r.p50).padStart(6)}  ${formatMs(r.p99).padStart(6)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}  ${r.cpuMsPerRequest.toFixed(3).padStart(17)}  ${(r.storeCpuMsPerRequest === null ? '-' : r.storeCpuMsPerRequest.toFixed(3)).padStart(16)}  ${(r.clientCpuMsPerRequest === null ? '-' : r.clientCpuMsPerRequest.toFixed(3)).padStart(17)}`,
    );
  }
}

/** autocannon reports whole milliseconds, the paced runs fractions. */
const formatMs = (ms: number) => (Number.isInteger(ms) ? String(ms) : ms.toFixed(1));

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

export default async function main(): Promise<void> {
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const redisUrl = `${REDIS_URL}?prefix=${prefix}`;
  const setups = [
    makeSetup('embedded', false, { SERVE_WORKERS: '1' }),
    makeSetup('embedded2', false, { SERVE_WORKERS: '2' }),
    makeSetup('redis', true, { SERVE_WORKERS: '1', ONLINE_STORE_URL: redisUrl, CANDIDATE_STORE_URL: redisUrl }),
  ];
  const load1 = loadavg()[0];
  try {
    const rankerFiles = await trainBenchRanker();
    const results: RunFigures[][] = [];
    for (const setup of setups) results.push(await measure(setup, rankerFiles));

    console.log(`load average before: ${load1.toFixed(2)}, after: ${loadavg()[0].toFixed(2)} (2 cores); ${CONNECTIONS} connections, top_k 10, ${CANDIDATES} candidates; Redis at ${REDIS_URL}`);
    console.log('embedded2: the embedded stores served by SERVE_WORKERS=2 processes; the other rows by one process');
    console.log('stores     run                                   req/s    p50 ms  p99 ms  errors  non-2xx  server CPU ms/req  Redis CPU ms/req  client CPU ms/req');
    setups.forEach((setup, s) => printRows(setup.name, results[s]));
    const [embedded, embedded2, redis] = results;
    for (let r = 1; r < embedded.length; r++) {
      const e = embedded[r];
      const w = embedded2[r];
      const x = redis[r];
      console.log(`2 processes / 1, ${e.name}: req/s ${ratio(w.rps, e.rps)}, p50 ${ratio(w.p50, e.p50)}, p99 ${ratio(w.p99, e.p99)}, server CPU per request ${ratio(w.cpuMsPerRequest, e.cpuMsPerRequest)}`);
      console.log(`redis / embedded, ${e.name}: req/s ${ratio(x.rps, e.rps)}, p50 ${ratio(x.p50, e.p50)}, p99 ${ratio(x.p99, e.p99)}, server CPU per request ${ratio(x.cpuMsPerRequest, e.cpuMsPerRequest)}, server + Redis CPU per request ${ratio(x.cpuMsPerRequest + (x.storeCpuMsPerRequest ?? 0), e.cpuMsPerRequest)}`);
    }
    console.log(
      `autocannon rows: ${CONNECTIONS} connections unless named, closed loop; its ${TARGET_RATE}/s rate sends each connection's quota per second in a burst. ` +
        `Paced rows: one request every ${1000 / TARGET_RATE} ms, open loop, latency from the scheduled send time.`,
    );
    for (let s = 0; s < setups.length; s++) {
      const [baseline, bursts] = results[s];
      const pacedBaseline = results[s][3];
      const pacedTarget = results[s][4];
      const fewConnections = results[s][5];
      const ok = pacedTarget.p99 <= 5 && pacedTarget.errors === 0 && pacedTarget.non2xx === 0;
      console.log(
        `${setups[s].name}: p99 paced at ${TARGET_RATE}/s: ${formatMs(pacedTarget.p99)} ms (target <= 5 ms, no errors: ${ok ? 'met' : 'missed'}), ` +
          `${(pacedTarget.p99 / Math.max(pacedBaseline.p99, 0.1)).toFixed(1)}x the paced baseline route's p99; ` +
          `autocannon at ${TARGET_RATE}/s: ${bursts.p99} ms, ${(bursts.p99 / Math.max(baseline.p99, 1)).toFixed(1)}x its baseline route; ` +
          `with ${FEW_CONNECTIONS} connections: ${fewConnections.p99} ms at ${Math.round(fewConnections.rps)} req/s`,
      );
    }
  } finally {
    for (const setup of setups) rmSync(setup.dir, { recursive: true, force: true });
    try {
      console.log(`removed ${await deleteRedisKeys(prefix)} Redis keys under ${prefix}`);
    } catch (error) {
      // Reported rather than thrown, so a failure of the run itself stays the error shown.
      console.error(`could not remove the Redis keys under ${prefix}: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
}
