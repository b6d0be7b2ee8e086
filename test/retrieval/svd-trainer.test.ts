import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SVD_DEFAULTS, resolveSvdHyperparameters, sgdRates, type SvdHyperparameters } from '../../src/retrieval/svd/hyperparameters.js';
import type { SvdModel } from '../../src/retrieval/svd/model.js';
import { trainSvd } from '../../src/retrieval/svd/trainer.js';
import { buildTrainset, pairwiseSum, ratingRowsFromTriples } from '../../src/retrieval/svd/trainset.js';
import { sharedPath } from '../helpers/shared.js';

// The first 6,000 ratings of u1.base: enough to train on in milliseconds.
const fields = readFileSync(sharedPath('data/ml-100k/u1.base'), 'utf8')
  .trim()
  .split(/\r?\n/)
  .slice(0, 6000)
  .map((line) => line.split('\t'));
const trainset = buildTrainset(
  ratingRowsFromTriples(
    fields.map((f) => f[0]),
    fields.map((f) => f[1]),
    fields.map((f) => Number(f[2])),
  ),
  [1, 5],
);
const small: Partial<SvdHyperparameters> = { n_factors: 8, n_epochs: 5, random_state: 3 };

function train(overrides: Partial<SvdHyperparameters> = {}): SvdModel {
  return trainSvd(trainset, { hyperparameters: { ...small, ...overrides }, progress: false }).model;
}

/** Estimates for a fixed sample of (user, item) pairs, unclipped. */
function estimates(model: SvdModel): number[] {
  const values: number[] = [];
  for (let u = 0; u < 20; u++) for (let i = 0; i < 50; i += 7) values.push(model.estimate(u, i));
  return values;
}

function largestDifference(a: number[], b: number[]): number {
  return Math.max(...a.map((value, index) => Math.abs(value - b[index])));
}

describe('SVD trainer', () => {
  const baseline = estimates(train());

  it('same seed gives the same model', () => {
    const first = train();
    const second = train();
    expect(second.pu).toEqual(first.pu);
    expect(second.qi).toEqual(first.qi);
    expect(second.bu).toEqual(first.bu);
    expect(second.bi).toEqual(first.bi);
  });

  it('both kernels agree', () => {
    const wasm = trainSvd(trainset, { hyperparameters: small, kernel: 'wasm', progress: false }).model;
    const js = trainSvd(trainset, { hyperparameters: small, kernel: 'js', progress: false }).model;
    expect(largestDifference(estimates(wasm), estimates(js))).toBeLessThan(1e-12);
  });

  const changes: [string, Partial<SvdHyperparameters>][] = [
    ['n_factors', { n_factors: 9 }],
    ['n_epochs', { n_epochs: 6 }],
    ['biased', { biased: false }],
    ['init_mean', { init_mean: 0.05 }],
    ['init_std_dev', { init_std_dev: 0.2 }],
    ['lr_all', { lr_all: 0.01 }],
    ['reg_all', { reg_all: 0.5 }],
    ['lr_bu', { lr_bu: 0.02 }],
    ['lr_bi', { lr_bi: 0.02 }],
    ['lr_pu', { lr_pu: 0.02 }],
    ['lr_qi', { lr_qi: 0.02 }],
    ['reg_bu', { reg_bu: 1 }],
    ['reg_bi', { reg_bi: 1 }],
    ['reg_pu', { reg_pu: 1 }],
    ['reg_qi', { reg_qi: 1 }],
    ['random_state', { random_state: 4 }],
  ];
  it.each(changes)('%s changes the model', (_, change) => {
    expect(largestDifference(estimates(train(change)), baseline)).toBeGreaterThan(1e-6);
  });

  it('per-parameter rates take precedence', () => {
    const all = { lr_bu: 0.004, lr_bi: 0.006, lr_pu: 0.005, lr_qi: 0.007, reg_bu: 0.01, reg_bi: 0.03, reg_pu: 0.02, reg_qi: 0.04 };
    const first = estimates(train({ ...all, lr_all: 0.001, reg_all: 0.9 }));
    const second = estimates(train({ ...all, lr_all: 0.1, reg_all: 0.0 }));
    expect(second).toEqual(first);
    expect(sgdRates(resolveSvdHyperparameters({ lr_all: 0.1, lr_qi: 0.2, reg_all: 0.3, reg_bu: 0.4 }))).toEqual({
      lrBu: 0.1,
      lrBi: 0.1,
      lrPu: 0.1,
      lrQi: 0.2,
      regBu: 0.4,
      regBi: 0.3,
      regPu: 0.3,
      regQi: 0.3,
    });
  });

  it('defaults are Surprise defaults', () => {
    expect(SVD_DEFAULTS).toMatchObject({ n_factors: 100, n_epochs: 20, biased: true, init_mean: 0, init_std_dev: 0.1, lr_all: 0.005, reg_all: 0.02 });
  });

  it('rejects invalid hyperparameters', () => {
    expect(() => resolveSvdHyperparameters({ n_factors: 0 })).toThrow(/n_factors=0: expected an integer from 1/);
    expect(() => resolveSvdHyperparameters({ lr_all: -1 })).toThrow(/lr_all=-1/);
    expect(() => resolveSvdHyperparameters({ reg_qi: Number.NaN })).toThrow(/reg_qi=NaN/);
    expect(() => resolveSvdHyperparameters({ random_state: 2 ** 32 })).toThrow(/random_state/);
    expect(() => resolveSvdHyperparameters({ n_factor: 3 } as Partial<SvdHyperparameters>)).toThrow(/unknown SVD hyperparameter n_factor/);
  });

  it('reports training RMSE per epoch', () => {
    const result = trainSvd(trainset, { hyperparameters: small, progress: false });
    expect(result.epochs).toHaveLength(5);
    expect(result.epochs[4].trainRmse).toBeLessThan(result.epochs[0].trainRmse);
    expect(result.epochs.every((e) => e.validationRmse === null)).toBe(true);
    expect(result.keptEpoch).toBe(5);
  });

  it('early stopping keeps the best epoch', () => {
    const validationRows = readFileSync(sharedPath('data/ml-100k/u1.test'), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(0, 3000)
      .map((line) => line.split('\t'));
    const validation = { userIds: validationRows.map((r) => r[0]), itemIds: validationRows.map((r) => r[1]), ratings: validationRows.map((r) => Number(r[2])) };
    // A large learning rate overfits within a few epochs, so the validation error turns up.
    const options = { hyperparameters: { ...small, n_epochs: 60, lr_all: 0.05, reg_all: 0 }, validation, progress: false };
    const full = trainSvd(trainset, options);
    const stopped = trainSvd(trainset, { ...options, earlyStopping: { patience: 2 } });

    const rmses = full.epochs.map((e) => e.validationRmse!);
    const bestEpoch = rmses.indexOf(Math.min(...rmses)) + 1;
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.keptEpoch).toBe(bestEpoch);
    expect(stopped.epochs).toHaveLength(bestEpoch + 2);
    const replay = trainSvd(trainset, { ...options, hyperparameters: { ...options.hyperparameters, n_epochs: bestEpoch } });
    expect(stopped.model.pu).toEqual(replay.model.pu);
  });

  it('early stopping needs validation', () => {
    expect(() => trainSvd(trainset, { hyperparameters: small, earlyStopping: { patience: 2 }, progress: false })).toThrow(/needs validation ratings/);
  });
});

describe('SVD trainset', () => {
  it('skips invalid ratings and groups by user', () => {
    const rows = ratingRowsFromTriples(['a', 'b', 'a', 'c', 'b'], ['x', 'y', 'y', 'z', 'x'], [4, 2, Number.NaN, Number.NaN, 5]);
    const built = buildTrainset(rows, [1, 5]);
    expect(built.userIds).toEqual(['a', 'b']);
    expect(built.itemIds).toEqual(['x', 'y']);
    expect(Array.from(built.ratings.user)).toEqual([0, 1, 1]);
    expect(Array.from(built.ratings.item)).toEqual([0, 1, 0]);
    expect(Array.from(built.ratings.rating)).toEqual([4, 2, 5]);
    expect(built.globalMean).toBeCloseTo(11 / 3, 15);
  });

  it('rejects a rating outside the scale', () => {
    const rows = ratingRowsFromTriples(['a'], ['x'], [0]);
    expect(() => buildTrainset(rows, [1, 5])).toThrow(/rating 0 of user a on item x lies outside the rating scale \[1, 5\]/);
  });

  it('rejects data without ratings', () => {
    const rows = ratingRowsFromTriples(['a'], ['x'], [Number.NaN]);
    expect(() => buildTrainset(rows, [1, 5])).toThrow(/no valid ratings/);
  });

  it('pairwise sum matches numpy', () => {
    // numpy 1.24.2: np.add.reduce(a) is 237857.14285714287 and the left-to-right sum 237857.1428571429
    // for a = [((i * 7919) % 1000) / 3 + i / 7 for i in range(1000)].
    const values = Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) / 3 + i / 7);
    expect(pairwiseSum(values)).toBe(237857.14285714287);
    expect(values.reduce((sum, value) => sum + value, 0)).toBe(237857.1428571429);
  });
});
