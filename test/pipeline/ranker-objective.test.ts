import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolveRankerObjective } from '../../src/pipeline/ranker-objective.js';
import { rankerParams } from '../../src/pipeline/ranker-training.js';

describe('RANKER_OBJECTIVE', () => {
  it('defaults to auto and accepts each objective', () => {
    expect(loadConfig({ cwd: tmpdir(), env: {} }).config.RANKER_OBJECTIVE).toBe('auto');
    for (const value of ['rating', 'interaction', 'lambdarank'] as const) {
      expect(loadConfig({ cwd: tmpdir(), env: { RANKER_OBJECTIVE: value } }).config.RANKER_OBJECTIVE).toBe(value);
    }
  });

  it('rejects an unknown objective, naming the setting', () => {
    expect(() => loadConfig({ cwd: tmpdir(), env: { RANKER_OBJECTIVE: 'ndcg' } })).toThrow(/RANKER_OBJECTIVE/);
  });

  it('auto is the rating regression on explicit data and interaction on implicit data', () => {
    expect(resolveRankerObjective('auto', 'explicit')).toBe('interaction');
    expect(resolveRankerObjective('auto', 'implicit')).toBe('interaction');
    expect(resolveRankerObjective('lambdarank', 'explicit')).toBe('lambdarank');
  });

  it('rating on implicit data fails with a message that names the alternatives', () => {
    expect(() => resolveRankerObjective('rating', 'implicit')).toThrow(/RANKER_OBJECTIVE=rating needs explicit ratings.*interaction or lambdarank/);
  });

  it('maps each objective to its XGBoost objective', () => {
    expect(rankerParams('rating', 0).objective).toBe('reg:squarederror');
    expect(rankerParams('interaction', 0).objective).toBe('binary:logistic');
    expect(rankerParams('lambdarank', 0).objective).toBe('rank:ndcg');
  });
});
