import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileArtifactStore } from '../../../src/store/file/artifact-store.js';
import { closeWorkers } from '../../../src/retrieval/implicit/parallel.js';
import { foldInUser } from '../../../src/retrieval/implicit/fold-in.js';
import { historyScoringFor } from '../../../src/retrieval/implicit/history-scoring.js';
import { loadImplicitModel, saveImplicitModel } from '../../../src/retrieval/implicit/artifact-io.js';
import { similarItems } from '../../../src/retrieval/implicit/similar-items.js';
import { trainAlsModel, trainBprModel, trainCooccurrenceModel, trainPopularityModel, trainRecentPopularityModel } from '../../../src/retrieval/implicit/train.js';
import { MergedRetriever } from '../../../src/retrieval/merge-retriever.js';
import type { RetrievalModel } from '../../../src/retrieval/types.js';
import { clusteredInteractions } from './fixtures.js';

afterAll(closeWorkers);

const data = clusteredInteractions();
const als = await trainAlsModel(data, { factors: 8, iterations: 25, cgSteps: 8, threads: 1, quiet: true });
const cooccurrence = trainCooccurrenceModel(data, { neighbours: 10 });
const popularity = trainPopularityModel(data);

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  return dot / Math.sqrt(na * nb);
}

function trainingItems(u: number): number[] {
  const items: number[] = [];
  for (let j = 0; j < data.user.length; j++) if (data.user[j] === u) items.push(data.item[j]);
  return items;
}

describe('foldInUser', () => {
  it('reproduces the factors of a trained user', () => {
    for (const u of [0, 1, 17]) {
      const folded = foldInUser(als, trainingItems(u));
      const trained = als.userFactors.subarray(u * als.width, (u + 1) * als.width);
      expect(cosine(folded, trained)).toBeGreaterThan(0.999);
      let difference = 0;
      let norm = 0;
      for (let a = 0; a < als.width; a++) {
        difference += (folded[a] - trained[a]) ** 2;
        norm += trained[a] ** 2;
      }
      expect(Math.sqrt(difference / norm)).toBeLessThan(0.05);
    }
  });

  it('rejects empty histories and bad indices', () => {
    expect(() => foldInUser(als, [])).toThrow(/at least one interaction/);
    expect(() => foldInUser(als, [0, 40])).toThrow(/item index 40 at position 1 is outside \[0, 40\)/);
    expect(() => foldInUser(als, [0], [0])).toThrow(/weight 0 at position 0 must be a positive finite number/);
  });
});

describe('similarItems', () => {
  it('returns items of the same group for ALS', () => {
    const similar = similarItems(als, 'i0000', 5);
    expect(similar).toHaveLength(5);
    for (const s of similar ?? []) expect(Number(s.itemId.slice(1)) % 2).toBe(0);
    expect(similar?.some((s) => s.itemId === 'i0000')).toBe(false);
  });

  it('returns the neighbour list for co-occurrence', () => {
    const similar = similarItems(cooccurrence, 'i0001', 3) ?? [];
    const { indptr, indices } = cooccurrence.neighbours;
    expect(similar.map((s) => s.itemId)).toEqual(Array.from(indices.subarray(indptr[1], indptr[1] + 3)).map((i) => cooccurrence.itemIds[i]));
  });

  it('returns null for an unknown item', () => {
    expect(similarItems(als, 'nope', 3)).toBeNull();
  });
});

describe('unknown users', () => {
  it('get the popularity order from every source', () => {
    const out = new Float32Array(data.itemIds.length);
    for (const model of [als, cooccurrence, popularity] as RetrievalModel[]) {
      model.scoreUnknownUser(out);
      expect(Array.from(out)).toEqual(Array.from(popularity.scores));
    }
  });

  it('get one merged list, the same for all', () => {
    const retriever = new MergedRetriever(
      [
        { model: als, quota: 5 },
        { model: cooccurrence, quota: 5 },
      ],
      10,
    );
    const first = retriever.retrieve({ userId: 'new-1' });
    const second = retriever.retrieve({ userId: 'new-2' });
    expect(first.paths).toEqual({ als: 'unknown', cooccurrence: 'unknown' });
    expect(second.candidates).toEqual(first.candidates);
    expect(first.candidates).toHaveLength(10);
  });
});

describe('MergedRetriever', () => {
  const retriever = new MergedRetriever(
    [
      { model: als, history: historyScoringFor(als), quota: 6 },
      { model: cooccurrence, history: historyScoringFor(cooccurrence), quota: 3 },
      { model: popularity, quota: 1 },
    ],
    10,
  );

  it('excludes seen items for a trained user', () => {
    const seen = trainingItems(3).map((i) => data.itemIds[i]);
    const { candidates, paths } = retriever.retrieve({ userId: data.userIds[3], seenItemIds: seen });
    expect(paths).toEqual({ als: 'trained', cooccurrence: 'trained', popularity: 'trained' });
    expect(candidates).toHaveLength(10);
    for (const c of candidates) expect(seen).not.toContain(c.itemId);
  });

  it('folds in a new user with history', () => {
    const seen = ['i0000', 'i0002', 'i0004', 'i0006', 'i0008'];
    const { candidates, paths } = retriever.retrieve({ userId: 'brand-new', seenItemIds: seen });
    expect(paths).toEqual({ als: 'history', cooccurrence: 'history', popularity: 'unknown' });
    const alsPicks = candidates.filter((c) => c.extras?.als_rank !== undefined && c.extras.als_rank <= 6);
    for (const c of alsPicks) expect(Number(c.itemId.slice(1)) % 2).toBe(0);
  });
});

describe('artifacts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'implicit-artifacts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trip every model kind', async () => {
    const store = await openFileArtifactStore(pathToFileURL(dir));
    const bpr = await trainBprModel(data, { factors: 4, iterations: 3, threads: 1, quiet: true });
    const recent = trainRecentPopularityModel(data, { recentDays: 1 });
    const scores = new Float32Array(data.itemIds.length);
    const again = new Float32Array(data.itemIds.length);
    for (const model of [als, bpr, cooccurrence, popularity, recent]) {
      await saveImplicitModel(store, `retrieval/${model.kind}-test`, model, { version: `${model.kind}-test`, dataFingerprint: 'f1' });
      const loaded = await loadImplicitModel(store, `retrieval/${model.kind}-test`);
      expect(loaded.kind).toBe(model.kind);
      expect(loaded.userIds).toEqual(model.userIds);
      model.scoreUser(5, scores);
      loaded.scoreUser(5, again);
      expect(Array.from(again)).toEqual(Array.from(scores));
      model.scoreUnknownUser(scores);
      loaded.scoreUnknownUser(again);
      expect(Array.from(again)).toEqual(Array.from(scores));
    }
  });
});
