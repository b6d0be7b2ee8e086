import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { openModelRegistry } from '../../src/registry/open.js';
import { openOfflineStore } from '../../src/store/open.js';
import { sharedPath } from '../helpers/shared.js';
import { runAndServe, type Harness } from './harness.js';

const PIPELINE_TIMEOUT_MS = 600_000;

let harness: Harness;
/** Interacted item ids per user id, from the ingested dataset. */
const history = new Map<string, Set<string>>();

beforeAll(async () => {
  const dir = sharedPath('data', 'amazon-subscription-boxes');
  harness = await runAndServe([`${dir}/Subscription_Boxes.jsonl`, `${dir}/meta_Subscription_Boxes.jsonl`]);
  const offline = await openOfflineStore(harness.config);
  try {
    const { interactions } = await loadDataset(offline);
    for (let j = 0; j < interactions.user.length; j++) {
      const userId = interactions.userIds[interactions.user[j]];
      if (!history.has(userId)) history.set(userId, new Set());
      history.get(userId)!.add(interactions.itemIds[interactions.item[j]]);
    }
  } finally {
    await offline.close();
  }
}, PIPELINE_TIMEOUT_MS);

afterAll(async () => {
  await harness?.close();
});

describe('pipeline and API on Subscription_Boxes', () => {
  it('summarizes the run', () => {
    expect(harness.summary.dataset.feedback).toBe('explicit');
    expect(harness.summary.dataset.items).toBe(641);
    expect(harness.summary.retrieval.candidateUsers).toBe(harness.summary.dataset.users);
    expect(harness.summary.ranker?.objective).toBe('binary:logistic');
    expect(harness.summary.promoted).toHaveLength(2);
  });

  it('gives known users top_k unseen items', async () => {
    // The users with the longest histories, so history removal is tested where it matters most.
    const users = [...history.entries()].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
    for (const [userId, seen] of users) {
      const { status, json } = await harness.recommend({ user_id: userId, top_k: 10 });
      expect(status).toBe(200);
      expect(json.fallback).toBe(false);
      expect(json.num_recommendations).toBe(10);
      const ids: string[] = json.recommendations.map((r: { parent_asin: string }) => r.parent_asin);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => seen.has(id))).toEqual([]);
      const scores: number[] = json.recommendations.map((r: { predicted_rating: number }) => r.predicted_rating);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('flags one list for unknown users', async () => {
    const first = await harness.recommend({ user_id: 'UNKNOWN-USER-1', top_k: 5 });
    const second = await harness.recommend({ user_id: 'UNKNOWN-USER-2', top_k: 5 });
    expect(first.status).toBe(200);
    expect(first.json.fallback).toBe(true);
    expect(first.json.fallback_reason).toBe('unknown_user');
    expect(first.json.num_recommendations).toBe(5);
    expect(second.json.recommendations).toEqual(first.json.recommendations);
  });

  it('rejects invalid requests with the error shape', async () => {
    for (const body of [{ user_id: 'x', top_k: 0 }, { user_id: '', top_k: 5 }, { user_id: 'x', top_k: 5, extra: 1 }, '{"user_id":']) {
      const { status, json } = await harness.recommend(body);
      expect(status).toBe(400);
      expect(json.error.code).toBe('REC_ERR_REQUEST_INVALID');
      expect(typeof json.error.message).toBe('string');
    }
  });

  it('reports the production versions in /health', async () => {
    const health = await (await fetch(`${harness.server.url}/health`)).json();
    const opened = await openModelRegistry(harness.config);
    try {
      expect(health.ready).toBe(true);
      expect(health.models.retrieval.version).toBe((await opened.registry.production('retrieval'))?.version);
      expect(health.models.ranker.version).toBe((await opened.registry.production('ranker'))?.version);
      expect(health.models.retrieval.candidate_version).toBe(harness.summary.retrieval.candidateVersion);
    } finally {
      await opened.close();
    }
  });

  // Last, because it replaces the dataset and the models the tests above use.
  it('archives the ranker when a later run trains none', async () => {
    const rankerBefore = harness.summary.ranker?.version;
    expect(rankerBefore).toBeTruthy();
    const tiny = path.join(harness.dir, 'tiny.jsonl');
    const reviews = readFileSync(sharedPath('data', 'amazon-subscription-boxes', 'Subscription_Boxes.jsonl'), 'utf8');
    writeFileSync(tiny, `${reviews.split('\n').slice(0, 5).join('\n')}\n`);
    const summary = await runPipeline(harness.config, { paths: [tiny], quiet: true, log: pino({ level: 'silent' }) });
    expect(summary.ranker).toBeNull();
    expect(summary.archived).toEqual([`ranker ${rankerBefore}`]);

    const opened = await openModelRegistry(harness.config);
    try {
      expect(await opened.registry.production('ranker')).toBeNull();
    } finally {
      await opened.close();
    }
    // The running server polls the registry every 200 ms and drops the archived ranker.
    let health = await (await fetch(`${harness.server.url}/health`)).json();
    for (let k = 0; k < 50 && health.models.ranker !== null; k++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await (await fetch(`${harness.server.url}/health`)).json();
    }
    expect(health.models.ranker).toBeNull();
    expect(health.models.retrieval.version).toBe(summary.retrieval.version);
  }, PIPELINE_TIMEOUT_MS);
});
