import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainSvd } from '../../src/retrieval/svd/trainer.js';
import { buildTrainset, ratingRowsFromTriples } from '../../src/retrieval/svd/trainset.js';
import { sharedPath } from '../helpers/shared.js';

interface SurpriseRow {
  userId: string;
  itemId: string;
  rating: number;
  est: number;
  wasImpossible: boolean;
}

function readU1Base() {
  const lines = readFileSync(sharedPath('data/ml-100k/u1.base'), 'utf8').trim().split(/\r?\n/);
  const fields = lines.map((line) => line.split('\t'));
  const rows = ratingRowsFromTriples(
    fields.map((f) => f[0]),
    fields.map((f) => f[1]),
    fields.map((f) => Number(f[2])),
  );
  return buildTrainset(rows, [1, 5]);
}

function readSurprisePredictions(): SurpriseRow[] {
  const lines = readFileSync(sharedPath('peers/surprise_svd64_u1_predictions.csv'), 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toBe('user_id,item_id,rating,est,was_impossible');
  return lines.slice(1).map((line) => {
    const [userId, itemId, rating, est, wasImpossible] = line.split(',');
    return { userId, itemId, rating: Number(rating), est: Number(est), wasImpossible: wasImpossible === 'True' };
  });
}

const trainset = readU1Base();
const expected = readSurprisePredictions();

describe.each(['wasm', 'js'] as const)('Surprise SVD parity, %s kernel', (kernel) => {
  const { model } = trainSvd(trainset, { hyperparameters: { n_factors: 64, random_state: 0 }, kernel, progress: false });

  it('global mean of u1.base', () => {
    expect(trainset.globalMean).toBe(3.52835);
    expect(trainset.ratings.rating.length).toBe(80_000);
  });

  it('first user bias and factors', () => {
    expect(model.userIds[0]).toBe('1');
    expect(model.bu[0]).toBeCloseTo(-0.04448304712460465, 14);
    expect(model.pu[0]).toBeCloseTo(0.22988767, 8);
    expect(model.pu[1]).toBeCloseTo(0.01457806, 8);
    expect(model.pu[2]).toBeCloseTo(0.15643027, 8);
  });

  it('every u1.test prediction within 1e-9', () => {
    expect(expected).toHaveLength(20_000);
    let worst = 0;
    const mismatches: string[] = [];
    for (const row of expected) {
      const prediction = model.predict(row.userId, row.itemId);
      const difference = Math.abs(prediction.clipped - row.est);
      worst = Math.max(worst, difference);
      if (difference > 1e-9) mismatches.push(`${row.userId},${row.itemId}: ${prediction.clipped} vs ${row.est}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(worst).toBeLessThan(1e-9);
  });

  it('flags estimates for unknown items', () => {
    const unknownItems = expected.filter((row) => model.itemIndex(row.itemId) < 0);
    expect(unknownItems.length).toBeGreaterThan(0);
    for (const row of unknownItems) {
      const prediction = model.predict(row.userId, row.itemId);
      expect(prediction.wasImpossible).toBe(true);
      expect(prediction.reason).toBe('item is unknown');
      // Surprise gives μ + b_u here and reports it as possible.
      expect(row.wasImpossible).toBe(false);
    }
    const known = expected.find((row) => model.itemIndex(row.itemId) >= 0)!;
    expect(model.predict(known.userId, known.itemId).wasImpossible).toBe(false);
  });

  it('test RMSE matches Surprise', () => {
    let sum = 0;
    for (const row of expected) sum += (model.predict(row.userId, row.itemId).clipped - row.rating) ** 2;
    expect(Math.sqrt(sum / expected.length)).toBeCloseTo(0.9510087866558584, 10);
  });
});
