import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareRanked } from '../../src/serving/order.js';
import { sharedPath } from '../helpers/shared.js';

function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
}

describe('compareRanked', () => {
  it('sorts the tied case file', () => {
    const rows = readCsv(sharedPath('cases', 'B19', 'tie_sort_input.csv')).map((r) => ({
      itemId: r.item_id,
      score: Number(r.final_score),
      retrievalScore: Number(r.retrieval_score),
    }));
    expect(rows.sort(compareRanked).map((r) => r.itemId)).toEqual(['PX1902', 'PX1905', 'PX1903', 'PX1904', 'PX1906']);
  });

  it('gives the same order for any input order', () => {
    const items = ['c', 'a', 'b', 'd'].map((itemId, i) => ({ itemId, score: 1, retrievalScore: i % 2 }));
    const forward = [...items].sort(compareRanked).map((r) => r.itemId);
    const backward = [...items].reverse().sort(compareRanked).map((r) => r.itemId);
    expect(forward).toEqual(['a', 'd', 'b', 'c']);
    expect(backward).toEqual(forward);
  });

  it('puts NaN scores last', () => {
    const items = [
      { itemId: 'x', score: Number.NaN, retrievalScore: 9 },
      { itemId: 'y', score: -5, retrievalScore: 0 },
      { itemId: 'z', score: 1, retrievalScore: Number.NaN },
      { itemId: 'w', score: 1, retrievalScore: 0 },
    ];
    expect(items.sort(compareRanked).map((r) => r.itemId)).toEqual(['w', 'z', 'y', 'x']);
  });
});
