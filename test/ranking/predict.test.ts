import { describe, expect, it } from 'vitest';
import { sharedPath } from '../helpers/shared.js';
import { loadXgboostModel } from '../../src/ranking/xgboost-json.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { readPeerTable } from './peer-data.js';

describe('prediction parity with XGBoost 1.7.4', () => {
  const table = readPeerTable('u1_test_features.csv');

  for (const [file, column] of [['model.json', 'pred_reg'], ['rank_model.json', 'pred_rank']] as const) {
    it(`${file} matches ${column} on all rows`, async () => {
      const ranker = new XgboostRanker(await loadXgboostModel(sharedPath('peers', file)));
      expect(ranker.featureNames).toEqual(table.featureNames);
      const out = new Float32Array(table.rows);
      ranker.predict(table.matrix, table.rows, out);

      const expected = table.extra[column];
      let worst = 0;
      let mismatches = 0;
      for (let r = 0; r < table.rows; r++) {
        const error = Math.abs(out[r] - expected[r]);
        worst = Math.max(worst, error);
        if (error > 1e-6) mismatches++;
      }
      expect(table.rows).toBe(20_000);
      expect(mismatches).toBe(0);
      expect(worst).toBeLessThanOrEqual(1e-6);
    });
  }

  it('constant single-leaf ranker predicts 0.5', async () => {
    const ranker = new XgboostRanker(await loadXgboostModel(sharedPath('cases', 'B19', 'constant_ranker.json')));
    expect(ranker.featureNames).toEqual(['mf_score']);
    const out = new Float32Array(3);
    ranker.predict(Float32Array.from([4.2, Number.NaN, -1]), 3, out);
    expect(Array.from(out)).toEqual([0.5, 0.5, 0.5]);
  });
});
