import { describe, expect, it } from 'vitest';
import { buildInteractions } from '../../src/data/dataset.js';
import type { FitContext } from '../../src/eval/model-types.js';
import { createTwoStageModel } from '../../src/eval/models/two-stage.js';
import { createLogger } from '../../src/log.js';

const train = buildInteractions([
  { user: 'a', item: 'x', timestamp: 1 },
  { user: 'b', item: 'y', timestamp: 2 },
  { user: 'a', item: 'z', timestamp: 3 },
  { user: 'b', item: 'w', timestamp: 4 },
]);

const context: FitContext = {
  train,
  scoringTime: Float64Array.from([10, Number.NaN]),
  cutTime: 10,
  seed: 0,
  factors: 4,
  candidateCount: 3,
  ratingScale: null,
  log: createLogger('silent'),
};

describe('createTwoStageModel', () => {
  it('asks only for users with a scoring time', async () => {
    const asked: number[][] = [];
    const model = createTwoStageModel('two', 'test', async (_context, users) => {
      asked.push(Array.from(users));
      return { users, offsets: Int32Array.from([0, 0]), items: new Int32Array(0), retrievalScores: new Float32Array(0) };
    });
    await model.fit(context);
    expect(asked).toEqual([[0]]);
  });

  it('scores listed items by final position', async () => {
    // User 0 gets items w, y in that final order; retrieval scores 0.2 and 0.9.
    const model = createTwoStageModel('two', 'test', async () => ({
      users: Int32Array.from([0]),
      offsets: Int32Array.from([0, 2]),
      items: Int32Array.from([3, 1]),
      retrievalScores: Float32Array.from([0.2, 0.9]),
    }));
    const fitted = await model.fit(context);
    const out = new Float32Array(4);
    fitted.scoreUser(0, out);
    expect(out[3]).toBeGreaterThan(out[1]);
    expect(out[0]).toBeNaN();
    expect(out[2]).toBeNaN();

    fitted.scoreCandidates!(0, out);
    expect(out[1]).toBeCloseTo(0.9, 6);
    expect(out[3]).toBeCloseTo(0.2, 6);
  });

  it('leaves unlisted users without scores', async () => {
    const model = createTwoStageModel('two', 'test', async () => ({
      users: Int32Array.from([0]),
      offsets: Int32Array.from([0, 1]),
      items: Int32Array.from([1]),
      retrievalScores: Float32Array.from([1]),
    }));
    const fitted = await model.fit(context);
    const out = new Float32Array(4);
    fitted.scoreUser(1, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
  });
});
