import { describe, expect, it } from 'vitest';
import { pointInTimeJoin, pointInTimeJoinBruteForce } from '../../src/features/pit-join.js';
import { radixSortByFloat64, identityOrder, groupByCode } from '../../src/features/sort.js';
import { joinHistory } from '../../src/features/historical.js';
import { HistoryBuilder, columnValue } from '../../src/features/history.js';
import type { FeatureGroup } from '../../src/features/types.js';

/** Small deterministic generator (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(seed: number, records: number, queries: number, entities: number) {
  const rand = random(seed);
  const int = (n: number) => Math.floor(rand() * n);
  // Few distinct times so that ties between events, creations and queries are common.
  const time = () => int(40) * 10 - 100;
  const eventTime = new Float64Array(records);
  const createdTime = new Float64Array(records);
  const recordCode = new Int32Array(records);
  for (let r = 0; r < records; r++) {
    recordCode[r] = int(entities);
    eventTime[r] = time();
    createdTime[r] = rand() < 0.6 ? eventTime[r] : rand() < 0.5 ? eventTime[r] + int(5) * 10 : time();
  }
  const queryCode = new Int32Array(queries);
  const queryTime = new Float64Array(queries);
  for (let q = 0; q < queries; q++) {
    queryCode[q] = int(entities + 2) - 1;
    if (queryCode[q] >= entities) queryCode[q] = -1;
    queryTime[q] = time() + (rand() < 0.3 ? 5 : 0);
  }
  return { records: { code: recordCode, eventTime, createdTime }, queries: { code: queryCode, time: queryTime } };
}

describe('pointInTimeJoin', () => {
  it('matches the brute-force reference on random data', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const entities = 1 + (seed % 7);
      const { records, queries } = randomCase(seed, seed % 50, 60, entities);
      const expected = pointInTimeJoinBruteForce(records, queries, null);
      expect(Array.from(pointInTimeJoin(records, queries, entities, null)), `seed ${seed}`).toEqual(Array.from(expected));
    }
  });

  it('matches the brute-force reference with a TTL', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { records, queries } = randomCase(seed, 40, 60, 3);
      const ttl = (seed % 5) * 20;
      const expected = pointInTimeJoinBruteForce(records, queries, ttl);
      expect(Array.from(pointInTimeJoin(records, queries, 3, ttl)), `seed ${seed}`).toEqual(Array.from(expected));
    }
  });

  it('matches the brute-force reference above the radix threshold', () => {
    // 50 entities give small groups (insertion sort); 3 and 1 give groups past the radix threshold.
    for (const [seed, entities] of [[1, 50], [2, 50], [3, 3], [4, 1]]) {
      const { records, queries } = randomCase(seed, 2500, 1200, entities);
      const ttl = seed === 2 ? 60 : null;
      const expected = pointInTimeJoinBruteForce(records, queries, ttl);
      expect(Array.from(pointInTimeJoin(records, queries, entities, ttl)), `seed ${seed}`).toEqual(Array.from(expected));
    }
  });

  it('excludes records at the query time', () => {
    const records = { code: Int32Array.of(0, 0), eventTime: Float64Array.of(10, 20), createdTime: Float64Array.of(10, 20) };
    const result = pointInTimeJoin(records, { code: Int32Array.of(0, 0, 0), time: Float64Array.of(10, 20, 21) }, 1, null);
    expect(Array.from(result)).toEqual([-1, 0, 1]);
  });

  it('hides a record until its created time', () => {
    // Same event time; the second version is a correction created at 30.
    const records = { code: Int32Array.of(0, 0), eventTime: Float64Array.of(10, 10), createdTime: Float64Array.of(10, 30) };
    const result = pointInTimeJoin(records, { code: Int32Array.of(0, 0, 0), time: Float64Array.of(20, 30, 31) }, 1, null);
    expect(Array.from(result)).toEqual([0, 1, 1]);
  });

  it('keeps a record exactly TTL old', () => {
    const records = { code: Int32Array.of(0), eventTime: Float64Array.of(100), createdTime: Float64Array.of(100) };
    const result = pointInTimeJoin(records, { code: Int32Array.of(0, 0), time: Float64Array.of(150, 151) }, 1, 50);
    expect(Array.from(result)).toEqual([0, -1]);
  });
});

describe('radixSortByFloat64', () => {
  it('sorts negative, fractional and large keys stably', () => {
    const keys = Float64Array.of(3, -1.5, 1.7e12, 0, -0, 3, -1e300, 2.25, 1.7e12 + 1);
    const order = radixSortByFloat64(keys, identityOrder(keys.length));
    const expected = Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b] || a - b);
    expect(Array.from(order, (i) => keys[i])).toEqual(expected.map((i) => keys[i]));
    expect(order.indexOf(0)).toBeLessThan(order.indexOf(5));
  });

  it('sorts large inputs stably with radix passes', () => {
    const rand = random(7);
    const keys = Float64Array.from({ length: 5000 }, () => (rand() < 0.1 ? -0 : Math.floor(rand() * 200) * (rand() < 0.5 ? -1 : 1e9) + 0.25));
    const order = radixSortByFloat64(keys, identityOrder(keys.length));
    const expected = Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b] || a - b);
    expect(Array.from(order)).toEqual(expected);
  });

  it('groups by code and drops negative codes', () => {
    const grouped = groupByCode(Int32Array.of(1, -1, 0, 1), identityOrder(4), 2);
    expect(Array.from(grouped.order)).toEqual([2, 0, 3]);
    expect(Array.from(grouped.offsets)).toEqual([0, 1, 3]);
  });
});

describe('joinHistory', () => {
  const group: FeatureGroup = {
    name: 'test_group',
    version: 1,
    entity: 'item',
    entityKey: 'item_id',
    description: 'test',
    features: [
      { name: 'score', type: 'numeric', description: 'a number' },
      { name: 'label', type: 'categorical', description: 'a category' },
      { name: 'tags', type: 'categorical_list', description: 'categories' },
      { name: 'seen_at', type: 'numeric', description: 'a time', hidden: true },
    ],
    derived: [{ name: 'days_since_seen', type: 'numeric', kind: 'days_since', source: 'seen_at', description: 'age' }],
    ttlMs: null,
    snapshot: false,
  };

  it('keeps row count and order, with missing values as null', () => {
    const builder = new HistoryBuilder(group);
    builder.add('a', 100, 100, [0, 'x', ['t1'], 0]);
    builder.add('b', 100, 100, [null, null, null, 50]);
    const rows = { entityIds: ['b', 'a', 'zzz', 'a', 'a'], timestamps: [200, 200, 200, 100, 86_400_000] };
    const frame = joinHistory(group, builder.build(), rows);
    expect(frame.rowCount).toBe(5);
    expect(Object.keys(frame.columns)).toEqual(['score', 'label', 'tags', 'days_since_seen']);
    expect([0, 1, 2, 3, 4].map((i) => columnValue(frame.columns.score, i))).toEqual([null, 0, null, null, 0]);
    expect([0, 1, 2, 3, 4].map((i) => columnValue(frame.columns.label, i))).toEqual([null, 'x', null, null, 'x']);
    expect([0, 1, 2, 3, 4].map((i) => columnValue(frame.columns.tags, i))).toEqual([null, ['t1'], null, null, ['t1']]);
    expect(columnValue(frame.columns.days_since_seen, 4)).toBe(1);
    expect(columnValue(frame.columns.days_since_seen, 2)).toBeNull();
  });

  it('rejects a non-finite timestamp', () => {
    const history = new HistoryBuilder(group).build();
    expect(() => joinHistory(group, history, { entityIds: ['a'], timestamps: [NaN] })).toThrow(/row 0 has timestamp NaN/);
  });
});
