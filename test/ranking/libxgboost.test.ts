import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import { libxgboostUnavailable, libxgboostVersion, trainWithLibxgboost } from '../../src/ranking/native/libxgboost.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { groupOffsetsByUser, readPeerTable } from './peer-data.js';

const skipReason = libxgboostUnavailable();

describe.skipIf(skipReason !== null)(`libxgboost reference trainer${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const train = readPeerTable('u1_train_features.csv.gz');
  const test = readPeerTable('u1_test_features.csv');
  const data = { matrix: train.matrix, rows: train.rows, featureNames: train.featureNames, labels: train.ratings };
  const rmse = (ranker: XgboostRanker) => {
    const out = new Float32Array(test.rows);
    ranker.predict(test.matrix, test.rows, out);
    let sum = 0;
    for (let r = 0; r < test.rows; r++) sum += (out[r] - test.ratings[r]) ** 2;
    return Math.sqrt(sum / test.rows);
  };

  it('reports its version', () => {
    expect(libxgboostVersion()[0]).toBeGreaterThanOrEqual(1);
  });

  it('regression matches XGBoost closely', async () => {
    const params = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 6, eta: 0.3, nthread: 1 };
    const reference = trainWithLibxgboost(params, data, 10);
    const ours = await trainGbdt({ ...params, num_boost_round: 10 }, data, { progress: false });

    expect(reference.trees).toHaveLength(10);
    expect(reference.featureNames).toEqual(train.featureNames);
    // The first tree's root split gets the same gradients, so it picks the same feature and cut.
    expect(ours.model.trees[0].splitIndices[0]).toBe(reference.trees[0].splitIndices[0]);
    expect(ours.model.trees[0].splitConditions[0]).toBeCloseTo(reference.trees[0].splitConditions[0], 5);
    expect(ours.model.trees[0].sumHessian[0]).toBe(reference.trees[0].sumHessian[0]);
    expect(Math.abs(rmse(new XgboostRanker(ours.model)) - rmse(new XgboostRanker(reference)))).toBeLessThan(0.005);
  });

  it('rank:ndcg takes query groups', () => {
    const groups = groupOffsetsByUser(train.userIds);
    const model = trainWithLibxgboost({ objective: 'rank:ndcg', tree_method: 'hist', max_depth: 3, nthread: 1 }, { ...data, groups }, 3);
    expect(model.objective).toBe('rank:ndcg');
    expect(model.trees).toHaveLength(3);
  });

  it('bad parameter raises libxgboost error', () => {
    expect(() => trainWithLibxgboost({ max_depth: -3 }, data, 1)).toThrow(/libxgboost .* failed: .*max_depth/);
  });
});
