import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRetrievalBundle, saveRetrievalBundle, type RetrievalBundle } from '../../src/registry/retrieval-bundle.js';
import { MergedRetriever } from '../../src/retrieval/merge-retriever.js';
import { SvdModel } from '../../src/retrieval/svd/model.js';
import { trainSvd } from '../../src/retrieval/svd/trainer.js';
import { buildTrainset, ratingRowsFromTriples } from '../../src/retrieval/svd/trainset.js';
import { compareScoredItems } from '../../src/retrieval/types.js';
import { loadRetrievalVersion } from '../../src/serving/retrieval-loader.js';
import { openFileArtifactStore, type FileArtifactStore } from '../../src/store/file/artifact-store.js';
import { sharedPath } from '../helpers/shared.js';

// The first 3,000 ratings of MovieLens 100k u1.base: enough for a model in milliseconds.
const fields = readFileSync(sharedPath('data/ml-100k/u1.base'), 'utf8')
  .trim()
  .split(/\r?\n/)
  .slice(0, 3000)
  .map((line) => line.split('\t'));
const rows = ratingRowsFromTriples(
  fields.map((f) => f[0]),
  fields.map((f) => f[1]),
  fields.map((f) => Number(f[2])),
);
const svd = trainSvd(buildTrainset(rows, [1, 5]), { hyperparameters: { n_factors: 8, n_epochs: 5, random_state: 3 }, progress: false }).model;
const COUNT = 20;
const KEY = 'models/retrieval/svd-only';

const bundle: RetrievalBundle = {
  format: 'twostage-retrieval-bundle',
  version: 1,
  feedback: 'explicit',
  candidateCount: COUNT,
  sources: [{ name: 'svd', quota: COUNT }],
  fallback: [{ itemId: svd.itemIds[0], score: 1 }],
  fallbackMethod: 'test list',
};

/** Returns the SVD model's own top `count` unseen items for one user, by score then item id. */
function svdTop(model: SvdModel, userId: string, seen: ReadonlySet<string>, count: number): string[] {
  const scores = new Float32Array(model.itemIds.length);
  model.scoreUser(model.userIndex(userId), scores);
  return model.itemIds
    .map((itemId, i) => ({ itemId, score: scores[i] }))
    .filter((c) => !seen.has(c.itemId))
    .sort(compareScoredItems)
    .slice(0, count)
    .map((c) => c.itemId);
}

describe('retrieval bundle with an SVD source', () => {
  let dir: string;
  let store: FileArtifactStore;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-bundle-svd-'));
    store = await openFileArtifactStore(new URL(`file://${dir}`));
    await saveRetrievalBundle(store, KEY, bundle, new Map([['svd', svd]]), { version: 'svd-only', dataFingerprint: 'test', createdAt: 0 });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the source as an SVD model', async () => {
    const { sources } = await loadRetrievalBundle(store, KEY);
    expect(sources).toHaveLength(1);
    expect(sources[0].model).toBeInstanceOf(SvdModel);
    expect(sources[0].quota).toBe(COUNT);
  });

  it('merges to the SVD top list', async () => {
    const { sources } = await loadRetrievalBundle(store, KEY);
    const userId = fields[0][0];
    const seen = new Set(fields.filter((f) => f[0] === userId).map((f) => f[1]));
    const merged = new MergedRetriever(sources, COUNT).retrieve({ userId, seenItemIds: [...seen] });
    expect(merged.candidates.map((c) => c.itemId)).toEqual(svdTop(svd, userId, seen, COUNT));
  });

  it('serves the SVD bundle through the serving loader', async () => {
    const loaded = await loadRetrievalVersion(
      store,
      { kind: 'retrieval', version: 'svd-only', stage: 'production', createdAt: 0, params: {}, metrics: {}, dataFingerprint: 'test', artifactKey: KEY, candidateVersion: null },
      10,
    );
    const userId = fields[0][0];
    expect(loaded.knowsUser(userId)).toBe(true);
    expect(loaded.knowsUser('no such user')).toBe(false);
    expect(loaded.retrieve(userId, [], 5).map((c) => c.itemId)).toEqual(svdTop(svd, userId, new Set(), 5));
  });
});
