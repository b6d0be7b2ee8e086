import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendTree, integerCurveTree } from '../../src/ranking/curve-tree.js';
import type { GbdtDataset } from '../../src/ranking/gbdt/dataset.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import type { GbdtModel } from '../../src/ranking/model.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { saveXgboostModel, serializeXgboostJson } from '../../src/ranking/xgboost-json-write.js';
import { parseXgboostJson } from '../../src/ranking/xgboost-json.js';
import { PREDICT_SCRIPT, runPython, xgboostPythonUnavailable } from './xgboost-python.js';

const CURVE = Array.from({ length: 37 }, (_, k) => -0.1 * Math.log(k + 1));

/** Two columns: a noise feature and an integer rank 1 … 37 (row r has rank r mod 37 + 1). */
function rankTable(rows: number): GbdtDataset {
  const matrix = new Float32Array(rows * 2);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    matrix[2 * r] = (r * 0.618) % 1;
    matrix[2 * r + 1] = (r % 37) + 1;
    labels[r] = matrix[2 * r] > 0.5 ? 1 : 0;
  }
  return { matrix, rows, featureNames: ['x', 'rank'], labels };
}

function margins(model: GbdtModel, data: GbdtDataset): Float32Array {
  const out = new Float32Array(data.rows);
  new XgboostRanker(model).predictMargin(data.matrix, data.rows, out);
  return out;
}

describe('integerCurveTree', () => {
  it('adds the curve value of each rank', async () => {
    const data = rankTable(200);
    const { model } = await trainGbdt({ objective: 'binary:logistic', num_boost_round: 4, max_depth: 2 }, data, { progress: false });
    const withCurve = appendTree(model, integerCurveTree(1, CURVE));
    expect(withCurve.trees).toHaveLength(5);

    const before = margins(model, data);
    const after = margins(withCurve, data);
    for (let r = 0; r < data.rows; r++) {
      const rank = data.matrix[2 * r + 1];
      expect(after[r]).toBeCloseTo(before[r] + CURVE[rank - 1], 6);
    }
  });

  it('out-of-range and missing ranks reach end leaves', () => {
    const tree = integerCurveTree(0, CURVE);
    const model: GbdtModel = {
      featureNames: ['rank'],
      featureTypes: ['float'],
      numFeature: 1,
      objective: 'reg:squarederror',
      objectiveConfig: { name: 'reg:squarederror' },
      baseScore: 0,
      booster: 'gbtree',
      trees: [tree],
      treeWeights: Float32Array.of(1),
      attributes: {},
      version: [1, 7, 4],
    };
    const out = new Float32Array(4);
    new XgboostRanker(model).predict(Float32Array.of(0, 1000, Number.NaN, 37), 4, out);
    expect(out[0]).toBeCloseTo(CURVE[0], 6);
    expect(out[1]).toBeCloseTo(CURVE[36], 6);
    expect(out[2]).toBeCloseTo(CURVE[36], 6);
    expect(out[3]).toBeCloseTo(CURVE[36], 6);
  });

  it('empty curve is rejected', () => {
    expect(() => integerCurveTree(0, [])).toThrow(/at least one value/);
  });

  const skipReason = xgboostPythonUnavailable();
  it.skipIf(skipReason !== null)(`XGBoost predicts appended tree${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    const data = rankTable(300);
    const { model } = await trainGbdt({ objective: 'binary:logistic', num_boost_round: 3, max_depth: 2 }, data, { progress: false });
    const withCurve = appendTree(model, integerCurveTree(1, CURVE));
    expect(parseXgboostJson(serializeXgboostJson(withCurve), 'model').trees).toHaveLength(4);

    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-curve-'));
    const file = path.join(dir, 'model.json');
    await saveXgboostModel(file, withCurve);
    const rows = Array.from({ length: data.rows }, (_, r) => `${data.matrix[2 * r]},${data.matrix[2 * r + 1]}`);
    writeFileSync(path.join(dir, 'rows.csv'), `x,rank\n${rows.join('\n')}\n`);
    const theirs = runPython(PREDICT_SCRIPT, [file, path.join(dir, 'rows.csv')]).trim().split('\n').map(Number);
    const ours = new Float32Array(data.rows);
    new XgboostRanker(withCurve).predict(data.matrix, data.rows, ours);
    expect(theirs).toHaveLength(data.rows);
    for (let r = 0; r < data.rows; r++) expect(Math.abs(theirs[r] - ours[r])).toBeLessThanOrEqual(1e-6);
  });
});
