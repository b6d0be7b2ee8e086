/**
 * Store backends side by side, same data, same process: bulk candidate writes (users/s), candidate
 * reads for one user (the serving path), feature writes (records/s) and batch feature reads of 100
 * ids (one request's item features). SQLite is the baseline; ratios are time ratios, so a figure
 * above 1 means slower than SQLite. Redis and PostgreSQL are the local servers on 127.0.0.1;
 * DynamoDB is dynalite in this process, which measures the client and protocol, not AWS.
 *
 * Latencies are per call, sequential (p50 and p99 of LATENCY_CALLS calls). Data is removed after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Config } from '../src/config/load.js';
import { openCandidateStore, openOnlineStore } from '../src/store/open.js';
import type { CandidateList, CandidateStore, OnlineRecord, OnlineStore } from '../src/store/types.js';

const USERS = 5_000;
const CANDIDATES_PER_USER = 100;
const WRITE_CHUNK = 1_000;
const ITEMS = 10_000;
const BATCH = 100;
const LATENCY_CALLS = 300;
const T0 = 1_700_000_000_000;

interface Backend {
  readonly name: string;
  readonly onlineUrl: string | null;
  readonly candidateUrl: string | null;
}

interface Figures {
  candidateWriteMs?: number;
  candidateGet?: { p50: number; p99: number };
  featureWriteMs?: number;
  featureBatch?: { p50: number; p99: number };
  error?: string;
}

export default async function storesBenchmark(): Promise<void> {
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twostage-bench-stores-'));
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const redisPrefix = `bench:${suffix}:`;
  const schema = `bench_${suffix}`;
  const dynamo = await startDynalite();
  const config = {
    STORE_TIMEOUT_MS: 30_000,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  } as Config;
  const backends: Backend[] = [
    { name: 'sqlite', onlineUrl: `sqlite://${dir}/online.sqlite`, candidateUrl: `sqlite://${dir}/candidates.sqlite` },
    { name: 'redis', onlineUrl: `redis://127.0.0.1:6379/0?prefix=${redisPrefix}`, candidateUrl: `redis://127.0.0.1:6379/0?prefix=${redisPrefix}` },
    { name: 'postgres', onlineUrl: `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`, candidateUrl: null },
    { name: 'dynamodb (dynalite)', onlineUrl: `dynamodb://bench_features_${suffix}`, candidateUrl: `dynamodb://bench_candidates_${suffix}` },
  ];

  const lists = candidateLists();
  const records = featureRecords();
  const results = new Map<string, Figures>();
  try {
    for (const backend of backends) {
      const figures: Figures = {};
      results.set(backend.name, figures);
      try {
        if (backend.candidateUrl) await measureCandidates(await openCandidateStore(config, backend.candidateUrl), lists, figures);
        if (backend.onlineUrl) await measureFeatures(await openOnlineStore(config, backend.onlineUrl), records, figures);
      } catch (error) {
        figures.error = (error as Error).message;
      }
    }
  } finally {
    await dynamo.close();
    await cleanUp(redisPrefix, schema);
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(results);
}

async function measureCandidates(store: CandidateStore, lists: readonly CandidateList[], figures: Figures): Promise<void> {
  try {
    const started = performance.now();
    const writer = await store.beginVersion('bench-v1');
    for (let start = 0; start < lists.length; start += WRITE_CHUNK) await writer.write(lists.slice(start, start + WRITE_CHUNK));
    await writer.commit();
    await store.activate('bench-v1');
    figures.candidateWriteMs = performance.now() - started;
    figures.candidateGet = await latencies(async (i) => {
      const got = await store.get(`user-${(i * 7919) % USERS}`);
      if (got?.length !== CANDIDATES_PER_USER) throw new Error(`candidate read returned ${got?.length ?? 'null'} items`);
    });
  } finally {
    await store.close();
  }
}

async function measureFeatures(store: OnlineStore, records: readonly OnlineRecord[], figures: Figures): Promise<void> {
  try {
    const started = performance.now();
    for (let start = 0; start < records.length; start += WRITE_CHUNK) await store.putLatest('items', records.slice(start, start + WRITE_CHUNK));
    figures.featureWriteMs = performance.now() - started;
    figures.featureBatch = await latencies(async (i) => {
      const ids = Array.from({ length: BATCH }, (_, j) => `item-${(i * 104_729 + j * 7_919) % ITEMS}`);
      const got = await store.getMany('items', ids);
      if (got.some((r) => r === null)) throw new Error('feature batch read missed a stored item');
    });
  } finally {
    await store.close();
  }
}

async function latencies(call: (i: number) => Promise<void>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await call(i);
  const times: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const started = performance.now();
    await call(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)], p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] };
}

function candidateLists(): CandidateList[] {
  return Array.from({ length: USERS }, (_, u) => ({
    userId: `user-${u}`,
    items: Array.from({ length: CANDIDATES_PER_USER }, (_, i) => ({
      itemId: `item-${(u * 31 + i * 97) % ITEMS}`,
      score: 1 - i / CANDIDATES_PER_USER,
      extras: { als_score: 0.5 - i / 1000, als_rank: i + 1 },
    })),
  }));
}

function featureRecords(): OnlineRecord[] {
  return Array.from({ length: ITEMS }, (_, i) => ({
    entityId: `item-${i}`,
    eventTime: T0 + i,
    createdTime: T0 + i,
    values: {
      item_interaction_count: i % 500,
      item_rating_mean: 3 + (i % 20) / 10,
      item_rating_std: (i % 7) / 10,
      item_price: 9.99 + (i % 50),
      item_main_category: ['Books', 'Toys', 'Music'][i % 3],
      item_categories: ['Books', 'Fiction'],
      item_days_since_first_interaction: i % 900,
    },
  }));
}

function printTable(results: ReadonlyMap<string, Figures>): void {
  const base = results.get('sqlite');
  const ratio = (value: number | undefined, baseline: number | undefined) => (value !== undefined && baseline !== undefined ? `${(value / baseline).toFixed(2)}×` : 'n/a');
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(2));
  console.log(`data: ${USERS} users × ${CANDIDATES_PER_USER} candidates (writes of ${WRITE_CHUNK} lists); ${ITEMS} item feature records; reads of ${BATCH} ids; ${LATENCY_CALLS} sequential calls per latency`);
  console.log('store | candidate write users/s (time vs sqlite) | candidate get p50 / p99 ms (p50 vs sqlite) | feature write records/s (time vs sqlite) | batch-100 read p50 / p99 ms (p50 vs sqlite)');
  for (const [name, f] of results) {
    const usersPerS = f.candidateWriteMs !== undefined ? Math.round((USERS / f.candidateWriteMs) * 1000).toString() : 'n/a';
    const recordsPerS = f.featureWriteMs !== undefined ? Math.round((ITEMS / f.featureWriteMs) * 1000).toString() : 'n/a';
    console.log(
      [
        name,
        `${usersPerS} (${ratio(f.candidateWriteMs, base?.candidateWriteMs)})`,
        `${ms(f.candidateGet?.p50)} / ${ms(f.candidateGet?.p99)} (${ratio(f.candidateGet?.p50, base?.candidateGet?.p50)})`,
        `${recordsPerS} (${ratio(f.featureWriteMs, base?.featureWriteMs)})`,
        `${ms(f.featureBatch?.p50)} / ${ms(f.featureBatch?.p99)} (${ratio(f.featureBatch?.p50, base?.featureBatch?.p50)})`,
      ].join(' | '),
    );
    if (f.error) console.log(`  ${name}: stopped early: ${f.error}`);
  }
}

/** Starts dynalite in this process; it ships without type declarations, hence `require`. */
async function startDynalite(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as (options: object) => {
    listen(port: number, host: string, callback: () => void): void;
    address(): AddressInfo;
    close(callback: () => void): void;
  };
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function cleanUp(redisPrefix: string, schema: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
