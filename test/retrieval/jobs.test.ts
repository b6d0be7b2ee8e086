import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { ingestFiles } from '../../src/data/dataset.js';
import { modelVersionOfCandidates, runCandidates, splitValidation, trainRetrieval, type TrainRetrievalSummary } from '../../src/retrieval/jobs.js';
import { recommendFromRetrieval } from '../../src/retrieval/recommend.js';
import { ratingRowsFromTriples } from '../../src/retrieval/svd/trainset.js';
import { openModelRegistry } from '../../src/registry/open.js';
import { openCandidateStore, openOfflineStore } from '../../src/store/open.js';
import { sharedPath } from '../helpers/shared.js';

const root = mkdtempSync(path.join(tmpdir(), 'twostage-retrieval-jobs-'));
const config: Config = loadConfig({ cwd: root, env: {}, flags: { WORKDIR: root, LOG_LEVEL: 'silent', MF_FACTORS: 4 } }).config;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('retrieval jobs on tied reviews', () => {
  let trained: TrainRetrievalSummary;

  beforeAll(async () => {
    const offline = await openOfflineStore(config);
    try {
      await ingestFiles(offline, [sharedPath('cases/B19/reviews.jsonl'), sharedPath('cases/B19/meta.jsonl')], { quiet: true });
    } finally {
      await offline.close();
    }
    trained = await trainRetrieval(config, { algorithm: 'svd', factors: 4, seed: 0, quiet: true });
  });

  it('training registers the model with inactive candidates', async () => {
    expect(trained.registered).toBe(true);
    expect(trained.hyperparameters.n_factors).toBe(4);
    expect(modelVersionOfCandidates(trained.candidates!.version)).toBe(trained.modelVersion);
    const opened = await openModelRegistry(config);
    try {
      const record = await opened.registry.get('retrieval', trained.modelVersion);
      expect(record.stage).toBe('staging');
      expect(record.candidateVersion).toBe(trained.candidates!.version);
      expect(record.artifactKey).toBe(`retrieval/${trained.modelVersion}`);
    } finally {
      await opened.close();
    }
    const store = await openCandidateStore(config);
    try {
      expect(await store.activeVersion()).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('recommend scores with the model before activation', async () => {
    const result = await recommendFromRetrieval(config, 'UX1901', 3);
    expect(result.source).toBe('model');
    expect(result.personalized).toBe(true);
    expect(result.modelVersion).toBe(trained.modelVersion);
    expect(result.items.length).toBeGreaterThan(0);
  });

  it('recommend reads activated candidates', async () => {
    const before = await recommendFromRetrieval(config, 'UX1901', 3);
    const summary = await runCandidates(config, { quiet: true });
    expect(summary.activated).toBe(true);
    const after = await recommendFromRetrieval(config, 'UX1901', 3);
    expect(after.source).toBe('candidate_store');
    expect(after.candidateVersion).toBe(summary.version);
    expect(after.items.map((i) => i.itemId)).toEqual(before.items.map((i) => i.itemId));
    for (const [p, item] of after.items.entries()) expect(item.score).toBeCloseTo(before.items[p].score, 12);
  });

  it('unknown user gets a flagged fallback', async () => {
    const result = await recommendFromRetrieval(config, 'someone-new', 2);
    expect(result.source).toBe('unknown_user_fallback');
    expect(result.personalized).toBe(false);
    expect(result.items).toHaveLength(2);
  });

  it('rejects an unknown algorithm', async () => {
    await expect(trainRetrieval(config, { algorithm: 'knn', factors: 4, seed: 0, quiet: true })).rejects.toThrow(/invalid --algorithm "knn"/);
  });
});

describe('splitValidation', () => {
  const rows = ratingRowsFromTriples(
    Array.from({ length: 1000 }, (_, j) => `u${j % 50}`),
    Array.from({ length: 1000 }, (_, j) => `i${j % 70}`),
    Array.from({ length: 1000 }, (_, j) => (j % 9 === 0 ? Number.NaN : 1 + (j % 5))),
  );

  it('holds out about the fraction, seeded', () => {
    const { train, validation } = splitValidation(rows, 0.2, 1);
    const heldOut = validation!.ratings.length;
    expect(heldOut).toBeGreaterThan(120);
    expect(heldOut).toBeLessThan(240);
    const remaining = Array.from(train.rating).filter((r) => !Number.isNaN(r)).length;
    const valid = Array.from(rows.rating).filter((r) => !Number.isNaN(r)).length;
    expect(remaining + heldOut).toBe(valid);
    expect(splitValidation(rows, 0.2, 1).validation).toEqual(validation);
  });

  it('rejects a fraction of one', () => {
    expect(() => splitValidation(rows, 1, 0)).toThrow(/invalid validation fraction 1/);
  });
});
