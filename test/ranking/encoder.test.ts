import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeatureEncoder, loadEncoder, saveEncoder } from '../../src/ranking/encoder.js';

const rows = [
  { age: 24, occupation: 'technician', genres: ['Action', 'Comedy'] },
  { age: '53', occupation: 'other', genres: ['Drama'] },
  { age: 30, occupation: 'writer', genres: [] },
];

const fitted = () => FeatureEncoder.fit(rows, { numeric: ['age'], categorical: ['occupation', 'genres'] });

describe('FeatureEncoder', () => {
  it('fit sorts vocabularies', () => {
    const encoder = fitted();
    expect(encoder.outputNames).toEqual([
      'age', 'occupation=other', 'occupation=technician', 'occupation=writer', 'genres=Action', 'genres=Comedy', 'genres=Drama',
    ]);
  });

  it('one-hot and multi-hot columns', () => {
    const m = fitted().encode(rows);
    expect(Array.from(m.subarray(0, 7))).toEqual([24, 0, 1, 0, 1, 1, 0]);
    expect(Array.from(m.subarray(7, 14))).toEqual([53, 1, 0, 0, 0, 0, 1]);
  });

  it('unknown category encodes to zeros', () => {
    const m = fitted().encode([{ age: 40, occupation: 'astronaut', genres: ['Western'] }]);
    expect(Array.from(m)).toEqual([40, 0, 0, 0, 0, 0, 0]);
  });

  it('missing numeric is NaN, not zero', () => {
    const m = fitted().encode([{ age: null, occupation: 'other' }, { occupation: 'other' }, { age: '' }, { age: 'NaN' }, { age: 0 }]);
    expect(Number.isNaN(m[0])).toBe(true);
    expect(Number.isNaN(m[7])).toBe(true);
    expect(Number.isNaN(m[14])).toBe(true);
    expect(Number.isNaN(m[21])).toBe(true);
    expect(m[28]).toBe(0);
  });

  it('columns follow the requested names', () => {
    const encoder = fitted();
    const m = encoder.encode([rows[0]], ['genres=Comedy', 'age', 'occupation=technician']);
    expect(Array.from(m)).toEqual([1, 24, 1]);
  });

  it('unknown model feature is an error naming it', () => {
    expect(() => fitted().encode([rows[0]], ['age', 'zip_code'])).toThrow(/does not produce model feature "zip_code"/);
  });

  it('non-numeric value is an error naming the feature', () => {
    expect(() => fitted().encode([{ age: 'old' }])).toThrow(/feature "age" must be numeric, got "old"/);
  });

  it('minCount drops rare categories', () => {
    const encoder = FeatureEncoder.fit([{ c: 'a' }, { c: 'a' }, { c: 'b' }], { numeric: [], categorical: ['c'], minCount: 2 });
    expect(encoder.outputNames).toEqual(['c=a']);
  });

  it('save and load keep vocabulary order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-encoder-'));
    const file = path.join(dir, 'encoder.json');
    const encoder = new FeatureEncoder([
      { name: 'occupation', type: 'categorical', categories: ['writer', 'other'] },
      { name: 'age', type: 'numeric' },
    ]);
    await saveEncoder(file, encoder);
    const loaded = await loadEncoder(file);
    expect(loaded.outputNames).toEqual(['occupation=writer', 'occupation=other', 'age']);
    expect(Array.from(loaded.encode([{ occupation: 'other', age: 3 }]))).toEqual([0, 1, 3]);
  });

  it('malformed encoder files are rejected', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'twostage-encoder-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'twostage-feature-encoder', version: 1, features: [{ name: 'a', type: 'ordinal' }] }));
    await expect(loadEncoder(file)).rejects.toThrow(/features\[0\]\.type must be "numeric" or "categorical"/);
    writeFileSync(file, JSON.stringify({ format: 'twostage-feature-encoder', version: 1, features: [{ name: 'a', type: 'numeric' }, { name: 'a', type: 'numeric' }] }));
    await expect(loadEncoder(file)).rejects.toThrow(/feature "a" is listed twice/);
    await expect(loadEncoder(path.join(dir, 'none.json'))).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
  });
});
