import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles, loadDataset, type Dataset } from '../../src/data/dataset.js';
import { precomputeCandidates } from '../../src/retrieval/candidates.js';
import { trainSvd } from '../../src/retrieval/svd/trainer.js';
import { buildTrainset } from '../../src/retrieval/svd/trainset.js';
import type { SvdModel } from '../../src/retrieval/svd/model.js';
import { openDuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import { openSqliteCandidateStore, type SqliteCandidateStore } from '../../src/store/sqlite/candidate-store.js';
import { sharedPath } from '../helpers/shared.js';

const root = mkdtempSync(path.join(tmpdir(), 'twostage-candidates-b14-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function ingestCase(name: string): Promise<Dataset> {
  const offline = await openDuckDbOfflineStore(new URL(`duckdb://${path.join(root, `${name}.duckdb`)}`));
  try {
    await ingestFiles(offline, [sharedPath(`cases/${name}/reviews.jsonl`), sharedPath(`cases/${name}/meta.jsonl`)], { quiet: true });
    return await loadDataset(offline);
  } finally {
    await offline.close();
  }
}

function train(dataset: Dataset): SvdModel {
  const trainset = buildTrainset(dataset.interactions, dataset.info.ratingScale!);
  return trainSvd(trainset, { hyperparameters: { n_factors: 4, random_state: 0 }, progress: false }).model;
}

describe('candidate precompute on duplicate and invalid reviews', () => {
  let dataset: Dataset;
  let model: SvdModel;
  let store: SqliteCandidateStore;

  beforeAll(async () => {
    dataset = await ingestCase('B14');
    model = train(dataset);
    store = await openSqliteCandidateStore(new URL(`sqlite://${path.join(root, 'b14.sqlite')}`));
  });
  afterAll(async () => store?.close());

  it('trains on the five valid interactions', () => {
    expect(model.globalMean).toBe(4);
    expect([...model.itemIds].sort()).toEqual(['PX1401', 'PX1402', 'PX1403', 'PX1404']);
  });

  it('excludes every interacted item', async () => {
    const summary = await precomputeCandidates(store, model, dataset.interactions, { version: 'b14-v1', count: 100, progress: false });
    expect(summary.activated).toBe(true);
    expect(summary.users).toBe(3);
    const sets: Record<string, string[]> = {};
    for (const user of ['UX1401', 'UX1402', 'UX1403']) sets[user] = ((await store.get(user)) ?? []).map((c) => c.itemId).sort();
    expect(sets).toEqual({
      UX1401: ['PX1403', 'PX1404'],
      UX1402: ['PX1402', 'PX1404'],
      UX1403: ['PX1401', 'PX1403'],
    });
  });

  it('stores the unclipped estimate in candidate order', async () => {
    const list = (await store.get('UX1401', 'b14-v1'))!;
    for (const candidate of list) {
      expect(candidate.score).toBeCloseTo(model.predict('UX1401', candidate.itemId).estimate, 12);
    }
    const ordered = [...list].sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    expect(list).toEqual(ordered);
  });

  it('keeps the previous version until activation', async () => {
    await precomputeCandidates(store, model, dataset.interactions, { version: 'b14-v2', count: 1, activate: false, progress: false });
    expect(await store.activeVersion()).toBe('b14-v1');
    expect(await store.get('UX1401')).toHaveLength(2);
    expect(await store.get('UX1401', 'b14-v2')).toHaveLength(1);
  });

  it('aborts a failed version', async () => {
    const broken = Object.create(model) as SvdModel;
    Object.defineProperty(broken, 'itemIds', { value: model.itemIds.map((id, i) => (i === 0 ? '' : id)) });
    await expect(precomputeCandidates(store, broken, dataset.interactions, { version: 'b14-broken', count: 100, progress: false })).rejects.toThrow(/empty or non-string item id/);
    expect(await store.listVersions()).not.toContain('b14-broken');
    expect(await store.activeVersion()).toBe('b14-v1');
  });
});
