import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelRegistry } from '../../src/registry/open.js';
import { openArtifactStore, openCandidateStore } from '../../src/store/open.js';
import { recommendOffline } from '../../src/serving/offline.js';
import { RANKER_MODEL_FILE } from '../../src/serving/ranker-loader.js';
import { sharedPath } from '../helpers/shared.js';
import { startServer } from '../../src/serving/server.js';
import { runAndServe, type Harness } from './harness.js';

const PIPELINE_TIMEOUT_MS = 300_000;

const ids = (body: { recommendations: { parent_asin: string }[] }) => body.recommendations.map((r) => r.parent_asin);

describe('unknown users get one flagged list (case B01)', () => {
  let harness: Harness;
  const requests = readFileSync(sharedPath('cases', 'B01', 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { user_id: string; top_k: number });

  beforeAll(async () => {
    harness = await runAndServe([sharedPath('cases', 'B01', 'reviews.jsonl'), sharedPath('cases', 'B01', 'meta.jsonl')]);
  }, PIPELINE_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.close();
  });

  it('answers unknown users with 200 and a fallback flag', async () => {
    for (const request of requests.filter((r) => r.user_id.startsWith('UX9') || r.user_id.startsWith('UX8'))) {
      const { status, json } = await harness.recommend(request);
      expect(status).toBe(200);
      expect(json.fallback).toBe(true);
      expect(json.fallback_reason).toBe('unknown_user');
      expect(json.num_recommendations).toBe(3);
      expect(new Set(ids(json)).size).toBe(3);
    }
  });

  it('orders the fallback by item bias', async () => {
    const { json } = await harness.recommend({ user_id: 'UX9999', top_k: 3 });
    expect(ids(json)[0]).toBe('PX0003');
    expect(ids(json)).not.toContain('PX0006');
  });

  it('gives every unknown user the same answer', async () => {
    const a = await harness.recommend({ user_id: 'UX9999', top_k: 3 });
    const b = await harness.recommend({ user_id: 'UX8888', top_k: 3 });
    expect({ ...a.json, user_id: null }).toEqual({ ...b.json, user_id: null });
  });

  it('serves the known control user without history', async () => {
    const { status, json } = await harness.recommend({ user_id: 'UX0001', top_k: 3 });
    expect(status).toBe(200);
    expect(json.fallback).toBe(false);
    expect([...ids(json)].sort()).toEqual(['PX0004', 'PX0005']);
    expect(json.num_recommendations).toBe(2);
  });

  it('names the address when the port is taken', async () => {
    const port = Number(new URL(harness.server.url).port);
    const second = startServer({ config: harness.config, log: pino({ level: 'silent' }), host: '127.0.0.1', port });
    await expect(second).rejects.toThrow(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });
});

describe('ties keep one order (case B19)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await runAndServe([sharedPath('cases', 'B19', 'reviews.jsonl'), sharedPath('cases', 'B19', 'meta.jsonl')]);
    // Serve with the single-leaf ranker: every candidate scores 0.5, so only the tie-break orders them.
    const artifacts = await openArtifactStore(harness.config);
    const opened = await openModelRegistry(harness.config);
    try {
      const key = 'models/ranker/constant';
      await artifacts.putDirectory(key, new Map([[RANKER_MODEL_FILE, readFileSync(sharedPath('cases', 'B19', 'constant_ranker.json'))]]));
      await opened.registry.register({ kind: 'ranker', version: 'constant', params: {}, metrics: {}, dataFingerprint: harness.summary.dataset.fingerprint, artifactKey: key });
      await opened.registry.promote('ranker', 'constant');
    } finally {
      await opened.close();
      await artifacts.close();
    }
    await harness.restart();
  }, PIPELINE_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.close();
  });

  it('orders by retrieval score, then item id', async () => {
    const { status, json } = await harness.recommend({ user_id: 'UX1901', top_k: 4 });
    expect(status).toBe(200);
    expect(json.model_versions.ranker).toBe('constant');
    expect(json.num_recommendations).toBe(4);
    expect(json.recommendations.every((r: { predicted_rating: number }) => r.predicted_rating === 0.5)).toBe(true);

    const candidates = await openCandidateStore(harness.config);
    try {
      const stored = (await candidates.get('UX1901')) ?? [];
      const expected = [...stored].sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
      expect(ids(json)).toEqual(expected.slice(0, 4).map((c) => c.itemId));
      expect(ids(json)).toEqual(stored.slice(0, 4).map((c) => c.itemId));
    } finally {
      await candidates.close();
    }
    expect(ids(json)).not.toContain('PX1901');
    expect(ids(json)).not.toContain('PX1902');
  });

  it('matches the offline full stage', async () => {
    const api = await harness.recommend({ user_id: 'UX1901', top_k: 4 });
    const offline = await recommendOffline(harness.config, pino({ level: 'silent' }), 'UX1901', 4);
    expect(offline).toEqual(api.json);
  });

  it('gives identical bytes across calls and a restart', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 20; i++) bodies.add((await harness.recommend({ user_id: 'UX1901', top_k: 4 })).text);
    expect(bodies.size).toBe(1);
    await harness.restart();
    bodies.add((await harness.recommend({ user_id: 'UX1901', top_k: 4 })).text);
    expect(bodies.size).toBe(1);
  });
});
