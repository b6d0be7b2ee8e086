import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../helpers/shared.js';
import { loadXgboostModel, parseXgboostJson } from '../../src/ranking/xgboost-json.js';
import { formatFloat32, saveXgboostModel, serializeXgboostJson } from '../../src/ranking/xgboost-json-write.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { readPeerTable } from './peer-data.js';
import { PREDICT_SCRIPT, runPython, xgboostPythonUnavailable } from './xgboost-python.js';

const constantText = readFileSync(sharedPath('cases', 'B19', 'constant_ranker.json'), 'utf8');
const constantDoc = (): any => JSON.parse(constantText);
const parse = (doc: unknown) => parseXgboostJson(JSON.stringify(doc), 'test.json');

describe('XGBoost JSON parsing', () => {
  it.each([
    ['0.500000', 0.5],
    ['5E-1', 0.5],
    ['[5E-1]', 0.5],
    ['3.52835E0', Math.fround(3.52835)],
    ['[-1.25E-2]', Math.fround(-0.0125)],
  ])('base_score %s reads as %f', (text, expected) => {
    const doc = constantDoc();
    doc.learner.learner_model_param.base_score = text;
    expect(parse(doc).baseScore).toBe(expected);
  });

  it('base_score malformed is rejected', () => {
    for (const bad of ['', 'half', '[5E-1,2E-1]', '0.5abc']) {
      const doc = constantDoc();
      doc.learner.learner_model_param.base_score = bad;
      expect(() => parse(doc)).toThrow(/base_score/);
    }
  });

  it('default_left accepts booleans and 0/1', () => {
    const doc = constantDoc();
    doc.learner.gradient_booster.model.trees[0].default_left = [true];
    expect(parse(doc).trees[0].defaultLeft[0]).toBe(1);
    doc.learner.gradient_booster.model.trees[0].default_left = [1];
    expect(parse(doc).trees[0].defaultLeft[0]).toBe(1);
    doc.learner.gradient_booster.model.trees[0].default_left = ['yes'];
    expect(() => parse(doc)).toThrow(/trees\[0\]\.default_left\[0\]/);
  });

  it('optional arrays may be absent', () => {
    const doc = constantDoc();
    const tree = doc.learner.gradient_booster.model.trees[0];
    for (const key of ['categories', 'categories_nodes', 'categories_segments', 'categories_sizes', 'split_type']) delete tree[key];
    delete doc.learner.gradient_booster.model.iteration_indptr;
    delete doc.learner.feature_names;
    delete doc.learner.feature_types;
    const model = parse(doc);
    expect(model.trees).toHaveLength(1);
    expect(new XgboostRanker(model).featureNames).toEqual(['f0']);
  });

  it.each([
    [(d: any) => delete d.learner.learner_model_param.base_score, /learner_model_param\.base_score is missing/],
    [(d: any) => delete d.learner.gradient_booster.model.trees[0].split_conditions, /trees\[0\]\.split_conditions is missing/],
    [(d: any) => (d.learner.gradient_booster.model.trees[0].left_children = [1]), /left_children\[0\]/],
    [(d: any) => (d.learner.gradient_booster.model.gbtree_model_param.num_trees = '2'), /trees must have 2 elements/],
    [(d: any) => (d.learner.objective.name = 'multi:softprob'), /unsupported objective "multi:softprob"/],
    [(d: any) => (d.learner.learner_model_param.num_class = '3'), /num_class/],
    [(d: any) => (d.learner.gradient_booster.name = 'gblinear'), /gblinear/],
    [(d: any) => (d.learner.feature_names = ['a', 'b']), /feature_names must have num_feature = 1/],
    [(d: any) => (d.learner.gradient_booster.model.iteration_indptr = [0, 2]), /iteration_indptr must end at num_trees/],
    [(d: any) => delete d.version, /version is missing/],
  ])('malformed model %# is rejected naming the field', (mutate, message) => {
    const doc = constantDoc();
    mutate(doc);
    expect(() => parse(doc)).toThrow(message);
  });

  it('non-JSON input is rejected', () => {
    expect(() => parseXgboostJson('binf\u0000', 'm.ubj')).toThrow(/m\.ubj: .*not JSON text/);
  });

  it('missing file raises model not found', async () => {
    await expect(loadXgboostModel('/nonexistent/model.json')).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
  });

  it('dart tree weights scale leaves', () => {
    const doc = constantDoc();
    doc.learner.gradient_booster.model.trees[0].split_conditions = [2];
    doc.learner.objective = { name: 'reg:squarederror' };
    doc.learner.gradient_booster = { name: 'dart', gbtree: { name: 'gbtree', model: doc.learner.gradient_booster.model }, weight_drop: [0.25] };
    const model = parse(doc);
    expect(model.booster).toBe('dart');
    const out = new Float32Array(1);
    new XgboostRanker(model).predict(Float32Array.from([1]), 1, out);
    expect(out[0]).toBe(0.5 + 0.25 * 2);
    const again = parseXgboostJson(serializeXgboostJson(model), 'again.json');
    expect(Array.from(again.treeWeights)).toEqual([0.25]);
  });

  it('categorical split sends listed categories right', () => {
    const doc = constantDoc();
    doc.learner.feature_types = ['c'];
    doc.learner.gradient_booster.model.trees[0] = {
      ...doc.learner.gradient_booster.model.trees[0],
      base_weights: [0, 0, 0], default_left: [1, 0, 0], left_children: [1, -1, -1], right_children: [2, -1, -1],
      loss_changes: [1, 0, 0], parents: [2147483647, 0, 0], split_conditions: [0, -1, 1], split_indices: [0, 0, 0],
      split_type: [1, 0, 0], sum_hessian: [3, 1, 2], categories: [1, 3], categories_nodes: [0], categories_segments: [0], categories_sizes: [2],
      tree_param: { num_deleted: '0', num_feature: '1', num_nodes: '3', size_leaf_vector: '1' },
    };
    const ranker = new XgboostRanker(parse(doc));
    const out = new Float32Array(6);
    ranker.predictMargin(Float32Array.from([1, 3, 0, 2, Number.NaN, 40]), 6, out);
    expect(Array.from(out)).toEqual([1.5, 1.5, -0.5, -0.5, -0.5, -0.5]);
  });
});

describe('XGBoost JSON writing', () => {
  it('floats use the shortest float32 form with an exponent', () => {
    expect(formatFloat32(0.5)).toBe('5E-1');
    expect(formatFloat32(80000)).toBe('8E4');
    expect(formatFloat32(27810)).toBe('2.781E4');
    expect(formatFloat32(0)).toBe('0E0');
    expect(formatFloat32(Math.fround(3.0283122))).toBe('3.0283122E0');
    expect(() => formatFloat32(Number.NaN)).toThrow(/non-finite/);
  });

  it('save then load keeps every tree value', async () => {
    const model = await loadXgboostModel(sharedPath('peers', 'model.json'));
    const again = parseXgboostJson(serializeXgboostJson(model), 'again.json');
    expect(again.trees).toHaveLength(200);
    expect(again.baseScore).toBe(model.baseScore);
    expect(again.featureNames).toEqual(model.featureNames);
    for (let t = 0; t < 200; t++) {
      expect(again.trees[t].splitConditions).toEqual(model.trees[t].splitConditions);
      expect(again.trees[t].leftChildren).toEqual(model.trees[t].leftChildren);
      expect(again.trees[t].sumHessian).toEqual(model.trees[t].sumHessian);
    }
  });

  const skipReason = xgboostPythonUnavailable();
  it.skipIf(skipReason !== null)(`saved model loads in XGBoost for Python${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-xgb-'));
    const model = await loadXgboostModel(sharedPath('peers', 'rank_model.json'));
    const file = path.join(dir, 'resaved.json');
    await saveXgboostModel(file, model);

    const table = readPeerTable('u1_test_features.csv');
    const sample = 500;
    const csv = [table.featureNames.join(',')];
    for (let r = 0; r < sample; r++) csv.push(Array.from(table.matrix.subarray(r * 46, r * 46 + 46), (v) => (Number.isNaN(v) ? '' : String(v))).join(','));
    writeFileSync(path.join(dir, 'rows.csv'), `${csv.join('\n')}\n`);

    const lines = runPython(PREDICT_SCRIPT, [file, path.join(dir, 'rows.csv')]).trim().split('\n');
    expect(lines).toHaveLength(sample);
    for (let r = 0; r < sample; r++) expect(Math.abs(Number(lines[r]) - table.extra.pred_rank[r])).toBeLessThanOrEqual(1e-6);
  });
});
