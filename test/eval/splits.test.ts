import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInteractions } from '../../src/data/dataset.js';
import { predefinedSplit } from '../../src/eval/fold-files.js';
import { leaveLastOutSplit, linearQuantile, temporalSplit } from '../../src/eval/splits.js';

const DAY = 86_400_000;

// Three users over ten days; item "z" appears only late, user "c" only late.
const data = buildInteractions([
  { user: 'a', item: 'x', rating: 5, timestamp: 1 * DAY },
  { user: 'a', item: 'y', rating: 3, timestamp: 2 * DAY },
  { user: 'b', item: 'x', rating: 4, timestamp: 3 * DAY },
  { user: 'b', item: 'w', rating: 2, timestamp: 4 * DAY },
  { user: 'a', item: 'w', rating: 1, timestamp: 5 * DAY },
  { user: 'b', item: 'y', rating: 4, timestamp: 6 * DAY },
  { user: 'a', item: 'z', rating: 5, timestamp: 8 * DAY },
  { user: 'c', item: 'x', rating: 3, timestamp: 9 * DAY },
  { user: 'b', item: 'z', rating: 2, timestamp: 10 * DAY },
]);

describe('linearQuantile', () => {
  it('interpolates like numpy.percentile', () => {
    const values = Float64Array.from([4, 1, 3, 2]);
    expect(linearQuantile(values, 0.8)).toBeCloseTo(3.4, 12);
    expect(linearQuantile(values, 0)).toBe(1);
    expect(linearQuantile(values, 1)).toBe(4);
  });

  it('rejects an empty input', () => {
    expect(() => linearQuantile(new Float64Array(0), 0.5)).toThrow(/no values/);
  });
});

describe('temporalSplit', () => {
  it('puts events before the cut in training and the rest in test', () => {
    const split = temporalSplit(data, { cutTime: 6 * DAY });
    expect(split.train.user.length).toBe(5);
    expect(split.test.user.length).toBe(4);
    for (const t of split.train.timestamp) expect(t).toBeLessThan(6 * DAY);
    for (const t of split.test.timestamp) expect(t).toBeGreaterThanOrEqual(6 * DAY);
  });

  it('cuts at the quantile of event time by default', () => {
    const split = temporalSplit(data);
    // Position 0.8 · 8 = 6.4 between day 8 and day 9.
    expect(split.cutTime).toBeCloseTo(8.4 * DAY, 3);
    expect(split.test.user.length).toBe(2);
    expect(split.description).toMatch(/80 % quantile/);
  });

  it('indexes the catalog by training items only', () => {
    const split = temporalSplit(data, { cutTime: 6 * DAY });
    expect(split.train.itemIds).toEqual(['x', 'y', 'w']);
    expect(split.train.userIds).toEqual(['a', 'b']);
    expect(split.test.itemIds).toEqual(['x', 'y', 'w', 'z']);
    expect(split.test.userIds).toEqual(['a', 'b', 'c']);
  });

  it('keeps the entity of each test index', () => {
    const split = temporalSplit(data, { cutTime: 6 * DAY });
    const pairs = Array.from(split.test.user, (u, j) => `${split.test.userIds[u]}:${split.test.itemIds[split.test.item[j]]}`);
    expect(pairs).toEqual(['b:y', 'a:z', 'c:x', 'b:z']);
    expect(Array.from(split.test.rating)).toEqual([4, 5, 3, 2]);
  });

  it('sets the scoring time of every test user to the cut', () => {
    const split = temporalSplit(data, { cutTime: 6 * DAY });
    expect(Array.from(split.testStart)).toEqual([6 * DAY, 6 * DAY, 6 * DAY]);
  });

  it('rejects a cut leaving one side empty', () => {
    expect(() => temporalSplit(data, { cutTime: 100 * DAY })).toThrow(/0 test interactions/);
    expect(() => temporalSplit(data, { cutTime: 0 })).toThrow(/0 training/);
  });

  it('rejects a quantile outside (0, 1)', () => {
    expect(() => temporalSplit(data, { quantile: 1.5 })).toThrow(/quantile 1.5/);
  });

  it('rejects interactions without an event time', () => {
    const untimed = buildInteractions([{ user: 'a', item: 'x' }, { user: 'b', item: 'y', timestamp: 5 }]);
    expect(() => temporalSplit(untimed, { cutTime: 3 })).toThrow(/1 interaction\(s\) have no event time/);
  });
});

describe('leaveLastOutSplit', () => {
  it('holds out each user\'s latest interactions', () => {
    const split = leaveLastOutSplit(data, 1);
    const pairs = Array.from(split.test.user, (u, j) => `${split.test.userIds[u]}:${split.test.itemIds[split.test.item[j]]}`);
    expect(pairs).toEqual(['a:z', 'b:z']);
  });

  it('keeps users with too few interactions in training', () => {
    const split = leaveLastOutSplit(data, 1);
    expect(split.train.userIds).toContain('c');
    expect(split.test.user.length).toBe(2);
  });

  it('sets each user\'s scoring time to the first held-out event', () => {
    const split = leaveLastOutSplit(data, 2);
    const a = split.test.userIds.indexOf('a');
    const b = split.test.userIds.indexOf('b');
    expect(split.testStart[a]).toBe(5 * DAY);
    expect(split.testStart[b]).toBe(6 * DAY);
  });

  it('rejects a non-positive count', () => {
    expect(() => leaveLastOutSplit(data, 0)).toThrow(/leave-out count 0/);
  });
});

describe('predefinedSplit', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'twostage-fold-'));
  const trainFile = path.join(folder, 'u.base');
  const testFile = path.join(folder, 'u.test');
  writeFileSync(trainFile, '1\t10\t5\t881250949\n1\t20\t3\t881250950\n2\t10\t4\t881250951\n');
  writeFileSync(testFile, '2\t30\t5\t881250952\n3\t10\t2\t881250953\n');

  it('reads training and test ratings from the files', async () => {
    const split = await predefinedSplit(trainFile, testFile);
    expect(split.train.userIds).toEqual(['1', '2']);
    expect(split.train.itemIds).toEqual(['10', '20']);
    expect(split.test.itemIds).toEqual(['10', '20', '30']);
    expect(Array.from(split.test.rating)).toEqual([5, 2]);
    expect(split.train.timestamp[0]).toBe(881250949000);
  });

  it('names the file and line of a bad row', async () => {
    const bad = path.join(folder, 'bad.test');
    writeFileSync(bad, '2\t30\t5\t881250952\n3\t10\tgood\t881250953\n');
    await expect(predefinedSplit(trainFile, bad)).rejects.toThrow(/bad\.test:2: invalid rating "good"/);
  });

  it('reports a missing file', async () => {
    await expect(predefinedSplit(path.join(folder, 'missing'), testFile)).rejects.toThrow(/not found/);
  });
});
