import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { DEFAULT_RETRIEVAL_SOURCES, parseRetrievalSources } from '../../../src/config/retrieval-sources.js';
import { sourceQuotas } from '../../../src/retrieval/merge.js';

describe('parseRetrievalSources', () => {
  it('parses the default', () => {
    expect(parseRetrievalSources(DEFAULT_RETRIEVAL_SOURCES)).toEqual([
      { source: 'als', share: 50 },
      { source: 'cooccurrence', share: 30 },
      { source: 'bpr', share: 20 },
      { source: 'popularity_recent', share: 0 },
      { source: 'svd', share: 0 },
    ]);
  });

  it('ignores spaces around entries', () => {
    expect(parseRetrievalSources(' bpr : 3 , popularity_recent:1 ')).toEqual([
      { source: 'bpr', share: 3 },
      { source: 'popularity_recent', share: 1 },
    ]);
  });

  it.each([
    ['als', /entry 1 "als" is not name:share/],
    ['als:-1', /entry 1 "als:-1" is not name:share/],
    ['als:1.5', /is not name:share/],
    ['als:5,,svd:1', /entry 2 "" is not name:share/],
    ['knn:5', /unknown source "knn"; known sources: als, bpr/],
    ['als:5,als:3', /source als is listed twice/],
    ['als:0,svd:0', /at least one source needs a share above 0/],
    ['als:2000000', /larger than 1000000/],
  ])('rejects %j', (text, message) => {
    expect(() => parseRetrievalSources(text)).toThrow(message);
  });

  it('is validated when the config loads', () => {
    const env = { RETRIEVAL_SOURCES: 'als:50,foo:10' };
    expect(() => loadConfig({ env, cwd: '/nonexistent' })).toThrow(/invalid value "als:50,foo:10" for RETRIEVAL_SOURCES \(from environment\): unknown source "foo"/);
    expect(loadConfig({ env: {}, cwd: '/nonexistent' }).config.RETRIEVAL_SOURCES).toBe(DEFAULT_RETRIEVAL_SOURCES);
  });
});

describe('sourceQuotas', () => {
  it('scales shares to the candidate count', () => {
    const shares = parseRetrievalSources('als:50,cooccurrence:30,popularity:20,svd:0');
    expect(sourceQuotas(shares, 100)).toEqual([
      { source: 'als', quota: 50 },
      { source: 'cooccurrence', quota: 30 },
      { source: 'popularity', quota: 20 },
    ]);
    expect(sourceQuotas(shares, 200).map((q) => q.quota)).toEqual([100, 60, 40]);
  });

  it('gives rounding leftovers in listed order', () => {
    const quotas = sourceQuotas(parseRetrievalSources('popularity:1,als:1,bpr:1'), 10);
    expect(quotas.map((q) => q.quota)).toEqual([4, 3, 3]);
    expect(quotas.reduce((sum, q) => sum + q.quota, 0)).toBe(10);
  });
});
