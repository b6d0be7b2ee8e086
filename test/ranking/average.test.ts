import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageModels } from '../../src/ranking/average.js';
import type { GbdtDataset } from '../../src/ranking/gbdt/dataset.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import type { GbdtModel } from '../../src/ranking/model.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { saveXgboostModel, serializeXgboostJson } from '../../src/ranking/xgboost-json-write.js';
import { parseXgboostJson } from '../../src/ranking/xgboost-json.js';
import { PREDICT_SCRIPT, runPython, xgboostPythonUnavailable } from './xgboost-python.js';

/** Deterministic table with a binary label: y = 1 when x0 − x1 + noise > 0, 10 % of x1 missing. */
function binaryTable(rows: number, seed: number): GbdtDataset {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const matrix = new Float32Array(rows * 2);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x0 = next();
    const x1 = next();
    matrix[2 * r] = x0;
    matrix[2 * r + 1] = next() < 0.1 ? Number.NaN : x1;
    labels[r] = x0 - x1 + 0.3 * (next() - 0.5) > 0 ? 1 : 0;
  }
  return { matrix, rows, featureNames: ['x0', 'x1'], labels };
}

const PARAMS = { objective: 'binary:logistic', num_boost_round: 8, max_depth: 3, subsample: 0.7, colsample_bytree: 0.5, base_score: 0.5 } as const;

async function trainBags(data: GbdtDataset, seeds: number[]): Promise<GbdtModel[]> {
  const models: GbdtModel[] = [];
  for (const seed of seeds) models.push((await trainGbdt({ ...PARAMS, seed }, data, { progress: false })).model);
  return models;
}

function margins(model: GbdtModel, data: GbdtDataset): Float32Array {
  const out = new Float32Array(data.rows);
  new XgboostRanker(model).predictMargin(data.matrix, data.rows, out);
  return out;
}

describe('averageModels', () => {
  it('margin is the mean of the margins', async () => {
    const data = binaryTable(600, 3);
    const models = await trainBags(data, [1, 2, 3]);
    const merged = averageModels(models);
    expect(merged.trees).toHaveLength(24);

    const bagMargins = models.map((model) => margins(model, data));
    const ours = margins(merged, data);
    // Distinct seeds sample different rows, so the bags must disagree somewhere.
    expect(bagMargins[0].some((value, r) => value !== bagMargins[1][r])).toBe(true);
    for (let r = 0; r < data.rows; r++) {
      const mean = (bagMargins[0][r] + bagMargins[1][r] + bagMargins[2][r]) / 3;
      expect(Math.abs(ours[r] - mean)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('one model is returned unchanged', async () => {
    const [model] = await trainBags(binaryTable(200, 5), [1]);
    expect(averageModels([model])).toBe(model);
  });

  it('JSON round trip keeps predictions', async () => {
    const data = binaryTable(300, 7);
    const merged = averageModels(await trainBags(data, [4, 5]));
    const loaded = parseXgboostJson(serializeXgboostJson(merged), 'merged model');
    expect(loaded.trees).toHaveLength(merged.trees.length);
    expect(Array.from(margins(loaded, data))).toEqual(Array.from(margins(merged, data)));
    expect(loaded.attributes.best_iteration).toBe(String(merged.trees.length - 1));
  });

  it('different base_score is rejected', async () => {
    const data = binaryTable(200, 9);
    const [a] = await trainBags(data, [1]);
    const b = (await trainGbdt({ ...PARAMS, base_score: 0.3 }, data, { progress: false })).model;
    expect(() => averageModels([a, b])).toThrow(/model 1 .* base_score differ/);
  });

  it('different features are rejected', async () => {
    const data = binaryTable(200, 11);
    const [a] = await trainBags(data, [1]);
    const b = (await trainGbdt(PARAMS, { ...data, featureNames: ['x0', 'y1'] }, { progress: false })).model;
    expect(() => averageModels([a, b])).toThrow(/feature_names differ/);
  });

  it('empty list is rejected', () => {
    expect(() => averageModels([])).toThrow(/empty list/);
  });

  const skipReason = xgboostPythonUnavailable();
  it.skipIf(skipReason !== null)(`XGBoost predicts merged model${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    const data = binaryTable(500, 13);
    const merged = averageModels(await trainBags(data, [6, 7, 8]));
    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-average-'));
    const file = path.join(dir, 'merged.json');
    await saveXgboostModel(file, merged);
    const rows = Array.from({ length: data.rows }, (_, r) => Array.from(data.matrix.subarray(2 * r, 2 * r + 2), (v) => (Number.isNaN(v) ? '' : String(v))).join(','));
    writeFileSync(path.join(dir, 'rows.csv'), `x0,x1\n${rows.join('\n')}\n`);

    const theirs = runPython(PREDICT_SCRIPT, [file, path.join(dir, 'rows.csv')]).trim().split('\n').map(Number);
    const ours = new Float32Array(data.rows);
    new XgboostRanker(merged).predict(data.matrix, data.rows, ours);
    expect(theirs).toHaveLength(data.rows);
    for (let r = 0; r < data.rows; r++) expect(Math.abs(theirs[r] - ours[r])).toBeLessThanOrEqual(1e-6);
  });
});
