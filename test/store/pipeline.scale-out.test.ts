import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { openOfflineStore } from '../../src/store/open.js';
import { sharedPath } from '../helpers/shared.js';
import { runAndServe, type Harness } from '../pipeline/harness.js';
import { uniqueSuffix } from './conformance.js';
import { startDynalite, type LocalServer } from './dynalite-server.js';
import { dropSchemas, POSTGRES_BASE_URL } from './postgres-helpers.js';
import { deleteRedisPrefix, REDIS_BASE_URL } from './redis-helpers.js';
import { startS3rver } from './s3rver-server.js';

const PIPELINE_TIMEOUT_MS = 900_000;
const suffix = uniqueSuffix().toLowerCase();
const redisPrefix = `test:e2e:${suffix}:`;
const schema = `test_e2e_${suffix}`;

let servers: LocalServer[] = [];
/** Every store on Redis and PostgreSQL; artifacts in a local folder. */
let onServers: Harness;
/** Candidates and features on DynamoDB (dynalite), artifacts on S3 (s3rver), the rest embedded. */
let onAws: Harness;
let users: string[] = [];

beforeAll(async () => {
  const dir = sharedPath('data', 'amazon-subscription-boxes');
  const paths = [`${dir}/Subscription_Boxes.jsonl`, `${dir}/meta_Subscription_Boxes.jsonl`];

  const redisUrl = new URL(REDIS_BASE_URL);
  redisUrl.searchParams.set('prefix', redisPrefix);
  const postgresUrl = new URL(POSTGRES_BASE_URL);
  postgresUrl.searchParams.set('schema', schema);
  onServers = await runAndServe(paths, {
    OFFLINE_STORE_URL: postgresUrl.toString(),
    ONLINE_STORE_URL: redisUrl.toString(),
    CANDIDATE_STORE_URL: redisUrl.toString(),
    REGISTRY_STORE_URL: postgresUrl.toString(),
  });

  const dynamo = await startDynalite();
  const s3 = await startS3rver(['models']);
  servers = [dynamo, s3];
  onAws = await runAndServe(paths, {
    ONLINE_STORE_URL: `dynamodb://features_${suffix}`,
    CANDIDATE_STORE_URL: `dynamodb://candidates_${suffix}`,
    ARTIFACT_STORE_URL: `s3://models/e2e-${suffix}?endpoint=${encodeURIComponent(s3.endpoint)}`,
    AWS_ENDPOINT_URL: dynamo.endpoint,
    // dynalite serves one request at a time from LevelDB; on a busy 2-core machine a bulk write
    // request can take seconds, which the 2 s serving default would count as an outage.
    STORE_TIMEOUT_MS: '30000',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });

  const offline = await openOfflineStore(onServers.config);
  try {
    const { interactions } = await loadDataset(offline);
    const counts = new Map<string, number>();
    for (let j = 0; j < interactions.user.length; j++) {
      const userId = interactions.userIds[interactions.user[j]];
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
    users = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20).map(([id]) => id);
  } finally {
    await offline.close();
  }
}, PIPELINE_TIMEOUT_MS);

afterAll(async () => {
  await onServers?.close();
  await onAws?.close();
  for (const server of servers) await server.close();
  await deleteRedisPrefix(redisPrefix);
  await dropSchemas([schema]);
});

describe('pipeline and API on scale-out stores', () => {
  it('runs the whole job on both', () => {
    for (const harness of [onServers, onAws]) {
      expect(harness.summary.dataset.items).toBe(641);
      expect(harness.summary.retrieval.candidateUsers).toBe(harness.summary.dataset.users);
      expect(harness.summary.promoted).toHaveLength(2);
    }
  });

  it('serves identical recommendations', async () => {
    expect(users).toHaveLength(20);
    for (const userId of users) {
      const a = await onServers.recommend({ user_id: userId, top_k: 10 });
      const b = await onAws.recommend({ user_id: userId, top_k: 10 });
      expect(a.status, a.text).toBe(200);
      expect(b.status, b.text).toBe(200);
      expect(a.json.fallback).toBe(false);
      expect(a.json.num_recommendations).toBe(10);
      expect(b.json.recommendations).toEqual(a.json.recommendations);
    }
  });

  it('reports ready stores in /health', async () => {
    for (const harness of [onServers, onAws]) {
      const health = await (await fetch(`${harness.server.url}/health`)).json();
      expect(health.ready, JSON.stringify(health)).toBe(true);
      for (const [name, store] of Object.entries(health.stores as Record<string, { ok: boolean }>)) expect(store.ok, name).toBe(true);
    }
  });
});
