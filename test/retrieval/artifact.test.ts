import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadEmbeddingArtifact,
  newModelVersion,
  retrievalArtifactKey,
  saveEmbeddingArtifact,
  type EmbeddingArtifact,
} from '../../src/retrieval/artifact.js';
import { FileArtifactStore } from '../../src/store/file/artifact-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'twostage-artifact-'));
const store = new FileArtifactStore(`file://${root}`, root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sampleArtifact(overrides: Partial<EmbeddingArtifact> = {}): EmbeddingArtifact {
  return {
    kind: 'svd',
    version: 'svd-test-1',
    userIds: ['u1', 'u2'],
    itemIds: ['i1', 'i2', 'i3'],
    width: 2,
    userFactors: Float64Array.from([0.1, -0.2, 1e-300, Math.PI]),
    itemFactors: Float64Array.from([1, 2, 3, 4, 5, -6.5]),
    userBias: Float64Array.from([0.25, -0.5]),
    itemBias: Float64Array.from([0.125, 0, -1]),
    globalMean: 3.52835,
    arrays: { popularity: { data: Int32Array.from([7, 0, 3]), shape: [3] } },
    hyperparameters: { n_factors: 2, lr_all: 0.005 },
    dataFingerprint: 'abc123',
    metrics: { rmse: 0.95 },
    details: { ratingScale: [1, 5] },
    createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    ...overrides,
  };
}

const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('embedding artifact', () => {
  it('round trip keeps every value', async () => {
    const artifact = sampleArtifact();
    await saveEmbeddingArtifact(store, 'retrieval/round-trip', artifact);
    const loaded = await loadEmbeddingArtifact(store, 'retrieval/round-trip', 'svd');
    expect(loaded).toEqual(artifact);
    expect(loaded.userFactors).toBeInstanceOf(Float64Array);
    expect(loaded.arrays.popularity.data).toBeInstanceOf(Int32Array);
  });

  it('round trip of float32 factors without biases', async () => {
    const artifact = sampleArtifact({
      kind: 'als',
      userFactors: Float32Array.from([0.5, 1.5, -2, 3]),
      itemFactors: Float32Array.from([1, 2, 3, 4, 5, 6]),
      userBias: null,
      itemBias: null,
      globalMean: null,
      arrays: {},
    });
    await saveEmbeddingArtifact(store, 'retrieval/float32', artifact);
    const loaded = await loadEmbeddingArtifact(store, 'retrieval/float32');
    expect(loaded.itemFactors).toBeInstanceOf(Float32Array);
    expect(loaded).toEqual(artifact);
  });

  it('rejects a wrong kind', async () => {
    await saveEmbeddingArtifact(store, 'retrieval/kind', sampleArtifact());
    await expect(loadEmbeddingArtifact(store, 'retrieval/kind', 'bpr')).rejects.toThrow(/contains a svd model, expected bpr/);
  });

  it('rejects mismatched shapes on save', async () => {
    const artifact = sampleArtifact({ itemFactors: new Float64Array(5) });
    await expect(saveEmbeddingArtifact(store, 'retrieval/bad-shape', artifact)).rejects.toThrow(/item_factors has 5 values, expected 6/);
    expect(await store.exists('retrieval/bad-shape')).toBe(false);
  });

  it('rejects a truncated array file', async () => {
    await saveEmbeddingArtifact(store, 'retrieval/truncated', sampleArtifact());
    writeFileSync(path.join(root, 'retrieval', 'truncated', 'item_bias.bin'), new Uint8Array(8));
    await expect(loadEmbeddingArtifact(store, 'retrieval/truncated')).rejects.toThrow(/item_bias\.bin has 8 bytes, expected 24/);
  });

  it('rejects a manifest of another format', async () => {
    await store.putDirectory('retrieval/foreign', new Map([['manifest.json', Buffer.from('{"format":"other"}')]]));
    await expect(loadEmbeddingArtifact(store, 'retrieval/foreign')).rejects.toMatchObject({ code: 'REC_ERR_MODEL_INVALID' });
  });

  it('version ids sort by time', () => {
    const early = newModelVersion('svd', Date.UTC(2026, 0, 1), () => 0.99);
    const late = newModelVersion('svd', Date.UTC(2026, 0, 2), () => 0);
    expect(early).toBe('svd-20260101T000000Z-fd70a3');
    expect(early < late).toBe(true);
    expect(retrievalArtifactKey(late)).toBe(`retrieval/${late}`);
  });

  it.skipIf(!hasNumpy)('numpy reads the documented layout', async () => {
    const artifact = sampleArtifact();
    const location = await saveEmbeddingArtifact(store, 'retrieval/numpy', artifact);
    const script = [
      'import json, sys, numpy as np',
      'd = sys.argv[1]',
      "m = json.load(open(d + '/manifest.json'))",
      "a = {n: np.fromfile(d + '/' + e['file'], dtype={'float64': '<f8', 'float32': '<f4', 'int32': '<i4'}[e['dtype']]).reshape(e['shape']) for n, e in m['arrays'].items()}",
      "items = json.load(open(d + '/' + m['itemIdsFile']))",
      "est = m['globalMean'] + a['user_bias'][1] + a['item_bias'][2] + a['user_factors'][1] @ a['item_factors'][2]",
      "print(json.dumps([est, items[2], a['user_factors'].shape[1], int(a['popularity'][0])]))",
    ].join('\n');
    const output = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, location], { encoding: 'utf8' })) as [number, string, number, number];
    const expected = 3.52835 - 0.5 - 1 + (1e-300 * 5 + Math.PI * -6.5);
    expect(output[0]).toBeCloseTo(expected, 12);
    expect(output[1]).toBe('i3');
    expect(output[2]).toBe(2);
    expect(output[3]).toBe(7);
  });
});

describe('SVD artifact', () => {
  it('round trip predicts the same', async () => {
    const { trainSvd } = await import('../../src/retrieval/svd/trainer.js');
    const { buildTrainset, ratingRowsFromTriples } = await import('../../src/retrieval/svd/trainset.js');
    const { svdFromArtifact, svdToArtifact } = await import('../../src/retrieval/svd/artifact.js');
    const rows = ratingRowsFromTriples(['a', 'a', 'b', 'c'], ['x', 'y', 'x', 'z'], [5, 3, 4, 1]);
    const { model } = trainSvd(buildTrainset(rows, [1, 5]), { hyperparameters: { n_factors: 3, n_epochs: 3 }, progress: false });
    await saveEmbeddingArtifact(store, 'retrieval/svd-round-trip', svdToArtifact(model, { version: 'svd-round-trip', dataFingerprint: 'f', metrics: { rmse: 1 } }));
    const loaded = svdFromArtifact(await loadEmbeddingArtifact(store, 'retrieval/svd-round-trip', 'svd'));
    for (const [user, item] of [['a', 'z'], ['b', 'y'], ['nobody', 'x'], ['c', 'nothing']]) expect(loaded.predict(user, item)).toEqual(model.predict(user, item));
    expect(loaded.ratingScale).toEqual([1, 5]);
    expect(loaded.hyperparameters).toEqual(model.hyperparameters);
  });
});
