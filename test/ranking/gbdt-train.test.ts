import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import type { GbdtDataset } from '../../src/ranking/gbdt/dataset.js';
import type { GbdtParams } from '../../src/ranking/gbdt/params.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { featureImportance } from '../../src/ranking/importance.js';
import { serializeXgboostJson, saveXgboostModel } from '../../src/ranking/xgboost-json-write.js';
import { parseXgboostJson } from '../../src/ranking/xgboost-json.js';
import { PREDICT_SCRIPT, runPython, xgboostPythonUnavailable } from './xgboost-python.js';

const NaN32 = Number.NaN;

function oneFeature(x: number[], y: number[]): GbdtDataset {
  return { matrix: Float32Array.from(x), rows: x.length, featureNames: ['x'], labels: Float32Array.from(y) };
}

/** Exact-formula settings: one split, no shrinkage, no L2, no hessian floor. */
const STUMP: GbdtParams = { num_boost_round: 1, max_depth: 1, eta: 1, lambda: 0, min_child_weight: 0 };

function predict(model: Awaited<ReturnType<typeof trainGbdt>>['model'], values: number[], columns = 1): number[] {
  const out = new Float32Array(values.length / columns);
  new XgboostRanker(model).predict(Float32Array.from(values), out.length, out);
  return Array.from(out);
}

/** Deterministic pseudo-random table: y = 2·x0 − x1 + step(x2) + noise, with 10% of x1 missing. */
function syntheticTable(rows: number, seed: number): GbdtDataset {
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const matrix = new Float32Array(rows * 3);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x0 = next();
    const x1 = next();
    const x2 = next();
    matrix[3 * r] = x0;
    matrix[3 * r + 1] = next() < 0.1 ? NaN32 : x1;
    matrix[3 * r + 2] = x2;
    labels[r] = 2 * x0 - x1 + (x2 > 0.5 ? 1 : 0) + 0.1 * (next() - 0.5);
  }
  return { matrix, rows, featureNames: ['x0', 'x1', 'x2'], labels };
}

function rmse(model: Awaited<ReturnType<typeof trainGbdt>>['model'], data: GbdtDataset): number {
  const out = new Float32Array(data.rows);
  new XgboostRanker(model).predict(data.matrix, data.rows, out);
  let sum = 0;
  for (let r = 0; r < data.rows; r++) sum += (out[r] - data.labels[r]) ** 2;
  return Math.sqrt(sum / data.rows);
}

describe('GBDT trainer formulas', () => {
  it('stump leaf weights are -G/H', async () => {
    const { model } = await trainGbdt(STUMP, oneFeature([0, 0, 1, 1], [1, 1, 3, 3]), { progress: false });
    const tree = model.trees[0];
    expect(tree.splitIndices[0]).toBe(0);
    expect(tree.splitConditions[0]).toBe(1);
    expect(predict(model, [0, 1, 0.5, 7])).toEqual([1, 3, 1, 3]);
  });

  it('alpha shrinks gradient sums by L1', async () => {
    // G_left = −1 → ThresholdL1 = 0; G_right = −5 → −4, weight 4/2 = 2.
    const { model } = await trainGbdt({ ...STUMP, alpha: 1 }, oneFeature([0, 0, 1, 1], [1, 1, 3, 3]), { progress: false });
    expect(predict(model, [0, 1])).toEqual([0.5, 2.5]);
  });

  it('lambda and eta scale leaf values', async () => {
    const { model } = await trainGbdt({ ...STUMP, lambda: 2, eta: 0.5 }, oneFeature([0, 0, 1, 1], [1, 1, 3, 3]), { progress: false });
    // weight = −G/(H + λ): 1/(2+2) = 0.25 and 5/4 = 1.25, times eta 0.5.
    expect(predict(model, [0, 1])).toEqual([0.5 + 0.125, 0.5 + 0.625]);
  });

  it('gamma blocks a weak split', async () => {
    // Split gain is G_L²/H_L + G_R²/H_R − G²/H = 0.5 + 12.5 − 9 = 4.
    const data = oneFeature([0, 0, 1, 1], [1, 1, 3, 3]);
    const weak = await trainGbdt({ ...STUMP, gamma: 4.5 }, data, { progress: false });
    expect(weak.model.trees[0].leftChildren[0]).toBe(-1);
    const strong = await trainGbdt({ ...STUMP, gamma: 3.5 }, data, { progress: false });
    expect(strong.model.trees[0].leftChildren[0]).toBe(1);
    expect(strong.model.trees[0].lossChanges[0]).toBeCloseTo(4, 5);
  });

  it('min_child_weight blocks small children', async () => {
    const data = oneFeature([0, 1, 1, 1], [1, 3, 3, 3]);
    const { model } = await trainGbdt({ ...STUMP, min_child_weight: 2 }, data, { progress: false });
    expect(model.trees[0].leftChildren[0]).toBe(-1);
  });

  it('missing values learn the default direction', async () => {
    const data = oneFeature([0, 0, 1, 1, NaN32, NaN32], [1, 1, 3, 3, 1, 1]);
    const { model } = await trainGbdt(STUMP, data, { progress: false });
    expect(model.trees[0].defaultLeft[0]).toBe(1);
    expect(predict(model, [NaN32, 0, 1])).toEqual([1, 1, 3]);
  });

  it('missing is not zero', async () => {
    const data = oneFeature([0, 0, 1, 1, NaN32, NaN32], [1, 1, 3, 3, 5, 5]);
    const { model } = await trainGbdt({ ...STUMP, max_depth: 2 }, data, { progress: false });
    const [missing, zero] = predict(model, [NaN32, 0]);
    expect(missing).toBe(5);
    expect(zero).toBe(1);
  });

  it('max_depth bounds the tree', async () => {
    const data = syntheticTable(2000, 3);
    const { model } = await trainGbdt({ num_boost_round: 3, max_depth: 3 }, data, { progress: false });
    for (const tree of model.trees) expect(tree.leftChildren.length).toBeLessThanOrEqual(15);
  });
});

describe('GBDT trainer behaviour', () => {
  it('regression error falls with rounds', async () => {
    const train = syntheticTable(3000, 1);
    const test = syntheticTable(1000, 2);
    const few = await trainGbdt({ num_boost_round: 5, eta: 0.3 }, train, { progress: false });
    const many = await trainGbdt({ num_boost_round: 60, eta: 0.3 }, train, { progress: false });
    expect(rmse(many.model, test)).toBeLessThan(rmse(few.model, test));
    expect(rmse(many.model, test)).toBeLessThan(0.15);
  });

  it('same seed gives the same model', async () => {
    const data = syntheticTable(2000, 5);
    const params: GbdtParams = { num_boost_round: 8, subsample: 0.7, colsample_bytree: 0.67, colsample_bynode: 0.5, seed: 11 };
    const a = await trainGbdt(params, data, { progress: false });
    const b = await trainGbdt(params, data, { progress: false });
    const c = await trainGbdt({ ...params, seed: 12 }, data, { progress: false });
    expect(serializeXgboostJson(a.model)).toBe(serializeXgboostJson(b.model));
    expect(serializeXgboostJson(c.model)).not.toBe(serializeXgboostJson(a.model));
  });

  it('binary:logistic predicts probabilities', async () => {
    const data = syntheticTable(2000, 7);
    const labels = data.labels.map((y) => (y > 1 ? 1 : 0));
    const result = await trainGbdt(
      { objective: 'binary:logistic', num_boost_round: 30, eval_metric: ['error', 'logloss'] },
      { ...data, labels },
      { progress: false, validation: { ...data, labels } },
    );
    const out = new Float32Array(data.rows);
    new XgboostRanker(result.model).predict(data.matrix, data.rows, out);
    expect(out.every((p) => p > 0 && p < 1)).toBe(true);
    const logloss = result.evalHistory.logloss;
    expect(logloss[logloss.length - 1]).toBeLessThan(logloss[0]);
    expect(result.evalHistory.error[29]).toBeLessThan(0.05);
  });

  it('base_score auto uses the label mean', async () => {
    const data = oneFeature([0, 1, 2, 3], [2, 4, 6, 8]);
    const { model } = await trainGbdt({ num_boost_round: 0, base_score: 'auto' }, data, { progress: false });
    expect(model.baseScore).toBe(5);
    const fixed = await trainGbdt({ num_boost_round: 0 }, data, { progress: false });
    expect(fixed.model.baseScore).toBe(0.5);
  });

  it('early stopping keeps the best round', async () => {
    const train = syntheticTable(1000, 8);
    // A validation set with unrelated labels: the first rounds help, later ones overfit.
    const validation = { ...syntheticTable(500, 9) };
    validation.labels = validation.labels.map((y, i) => (i % 2 === 0 ? y : 1.2));
    const result = await trainGbdt({ num_boost_round: 300, eta: 0.5, early_stopping_rounds: 5 }, train, { progress: false, validation });
    expect(result.stoppedEarly).toBe(true);
    expect(result.model.trees).toHaveLength(result.bestIteration + 1);
    expect(result.evalHistory.rmse).toHaveLength(result.bestIteration + 6);
    expect(result.model.attributes.best_iteration).toBe(String(result.bestIteration));
    expect(Math.min(...result.evalHistory.rmse)).toBe(result.bestScore);
  });

  it('importance ranks the strongest feature first', async () => {
    const { model } = await trainGbdt({ num_boost_round: 20 }, syntheticTable(3000, 4), { progress: false });
    const gain = featureImportance(model, 'total_gain');
    expect(gain.x0).toBeGreaterThan(gain.x1);
    const weight = featureImportance(model, 'weight');
    const splits = model.trees.reduce((n, t) => n + t.leftChildren.filter((c) => c !== -1).length, 0);
    expect(Object.values(weight).reduce((a, b) => a + b, 0)).toBe(splits);
    const cover = featureImportance(model, 'cover');
    expect(cover.x0).toBeGreaterThan(0);
  });

  it.each([
    ['default parameters', {}],
    ['row and column sampling', { subsample: 0.8, colsample_bytree: 0.67, colsample_bynode: 0.5, seed: 3 }],
  ])('two threads give the same model (%s)', async (_name, extra: GbdtParams) => {
    // 40,000 rows: the root and the first levels are above the row count where work is split in halves.
    // One thread runs the WebAssembly kernels and two threads the JavaScript ones.
    const data = syntheticTable(40_000, 6);
    const one = await trainGbdt({ num_boost_round: 5, nthread: 1, ...extra }, data, { progress: false });
    const two = await trainGbdt({ num_boost_round: 5, nthread: 2, ...extra }, data, { progress: false });
    expect(two.model.trees[0].splitIndices.length).toBeGreaterThan(15);
    expect(serializeXgboostJson(two.model)).toBe(serializeXgboostJson(one.model));
  });
});

describe('GBDT trainer input checks', () => {
  const data = syntheticTable(10, 1);

  it.each([
    [{ max_depth: 0 }, /max_depth must be an integer from 1 to 30/],
    [{ eta: 0.1, learning_rate: 0.2 }, /eta and learning_rate are aliases/],
    [{ colsample_bytree: 0 }, /colsample_bytree must be in \(0, 1\]/],
    [{ bogus: 1 } as GbdtParams, /unknown parameter "bogus"/],
    [{ objective: 'multi:softmax' }, /objective must be one of/],
    [{ tree_method: 'exact' }, /tree_method must be "hist"/],
    [{ eval_metric: 'auc' }, /eval_metric "auc"/],
    [{ early_stopping_rounds: 3 }, /early_stopping_rounds needs a validation set/],
  ])('parameters %o are rejected', async (params, message) => {
    await expect(trainGbdt(params, data, { progress: false })).rejects.toThrow(message);
  });

  const ranking = (extra: Partial<GbdtDataset>): GbdtDataset => ({ ...oneFeature([1, 2, 3, 4, 5, 6], [0, 1, 2, 0, 1, 2]), ...extra });

  it.each([
    [{}, /rank:ndcg needs query groups/],
    [{ groups: Int32Array.from([0, 3, 5]) }, /groups end at 5 but there are 6 rows/],
    [{ groups: Int32Array.from([0, 3, 3, 6]) }, /groups\[2\] = 3 is not greater than groups\[1\] = 3/],
    [{ groups: Int32Array.from([1, 6]) }, /groups must start at 0/],
    [{ queryIds: [7, 7, 8, 8, 7, 7] }, /query 7 reappears at row 4/],
    [{ queryIds: [7, 7, 8] }, /queryIds has 3 values, expected one per row \(6\)/],
    [{ groups: Int32Array.from([0, 6]), labels: Float32Array.from([0, 1, 2.5, 0, 1, 2]) }, /label of row 2 is 2.5/],
  ])('ranking groups %o are rejected', async (extra, message) => {
    await expect(trainGbdt({ objective: 'rank:ndcg' }, ranking(extra), { progress: false })).rejects.toThrow(message);
  });

  it('groups with regression are rejected', async () => {
    await expect(trainGbdt({}, { ...data, groups: Int32Array.from([0, 10]) }, { progress: false })).rejects.toThrow(/only used by ranking/);
  });

  it('matrix size mismatch is rejected', async () => {
    await expect(trainGbdt({}, { ...data, rows: 11 }, { progress: false })).rejects.toThrow(/matrix has 30 values, expected rows × features = 11 × 3/);
  });

  it('queryIds train like offsets', async () => {
    const byIds = await trainGbdt({ objective: 'rank:pairwise', num_boost_round: 3 }, ranking({ queryIds: [7, 7, 7, 8, 8, 8] }), { progress: false });
    const byOffsets = await trainGbdt({ objective: 'rank:pairwise', num_boost_round: 3 }, ranking({ groups: Int32Array.from([0, 3, 6]) }), { progress: false });
    expect(serializeXgboostJson(byIds.model)).toBe(serializeXgboostJson(byOffsets.model));
  });
});

describe('trained models in XGBoost', () => {
  const skipReason = xgboostPythonUnavailable();
  it.skipIf(skipReason !== null)(`XGBoost loads trained models${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-gbdt-'));
    const data = syntheticTable(2000, 12);
    const csv = ['x0,x1,x2', ...Array.from({ length: data.rows }, (_, r) => Array.from(data.matrix.subarray(3 * r, 3 * r + 3), (v) => (Number.isNaN(v) ? '' : String(v))).join(','))];
    writeFileSync(path.join(dir, 'rows.csv'), `${csv.join('\n')}\n`);

    const groups = Int32Array.from({ length: 21 }, (_, g) => g * 100);
    const grades = data.labels.map((y) => Math.max(0, Math.min(4, Math.round(y + 1))));
    for (const [objective, extra] of [
      ['reg:squarederror', {}],
      ['binary:logistic', { labels: data.labels.map((y) => (y > 1 ? 1 : 0)) }],
      ['rank:ndcg', { labels: grades, groups }],
    ] as const) {
      const { model } = await trainGbdt({ objective, num_boost_round: 10, max_depth: 4 }, { ...data, ...extra }, { progress: false });
      const file = path.join(dir, `${objective.replace(':', '-')}.json`);
      await saveXgboostModel(file, model);
      expect(parseXgboostJson(serializeXgboostJson(model), file).trees).toHaveLength(10);

      const theirs = runPython(PREDICT_SCRIPT, [file, path.join(dir, 'rows.csv')]).trim().split('\n').map(Number);
      const ours = new Float32Array(data.rows);
      new XgboostRanker(model).predict(data.matrix, data.rows, ours);
      expect(theirs).toHaveLength(data.rows);
      for (let r = 0; r < data.rows; r++) expect(Math.abs(theirs[r] - ours[r])).toBeLessThanOrEqual(1e-6);
    }
  });
});
