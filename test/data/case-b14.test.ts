import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestFiles, loadDataset } from '../../src/data/dataset.js';
import { sharedPath } from '../helpers/shared.js';
import { openTempStore } from './store.js';

let env: Awaited<ReturnType<typeof openTempStore>>;
beforeEach(async () => {
  env = await openTempStore();
});
afterEach(async () => {
  await env.cleanup();
});

function ratedTuples(data: Awaited<ReturnType<typeof loadDataset>>): string[] {
  const { interactions: x } = data;
  const out: string[] = [];
  for (let j = 0; j < x.user.length; j++) {
    if (Number.isNaN(x.rating[j])) continue;
    out.push(`${x.userIds[x.user[j]]},${x.itemIds[x.item[j]]},${x.rating[j].toFixed(1)},${x.timestamp[j]}`);
  }
  return out.sort();
}

describe('duplicate reviews, variants and a 0.0 rating', () => {
  it('keeps the earliest rating per user and parent_asin', async () => {
    const files = [sharedPath('cases/B14/reviews.jsonl'), sharedPath('cases/B14/meta.jsonl')];
    const summary = await ingestFiles(env.store, files, { quiet: true });
    const data = await loadDataset(env.store);

    expect(ratedTuples(data)).toEqual(
      [
        'UX1401,PX1401,4.0,1580000000000',
        'UX1401,PX1402,5.0,1585000000000',
        'UX1402,PX1403,5.0,1588000000000',
        'UX1403,PX1402,4.0,1589000000000',
        'UX1403,PX1404,2.0,1589500000000',
      ].sort(),
    );
    const valid = Array.from(data.interactions.rating).filter((r) => !Number.isNaN(r));
    expect(valid.reduce((a, b) => a + b, 0) / valid.length).toBe(4.0);

    expect(summary.linesRead).toBe(9);
    expect(summary.dropped.exact_duplicate).toBe(1);
    expect(summary.dropped.repeat_interaction).toBe(2);
    expect(summary.ratingsRejected.out_of_scale).toBe(1);
    expect(summary.ratings).toBe(5);
  });

  it('keeps the 0.0-rated interaction for exclusion', async () => {
    await ingestFiles(env.store, [sharedPath('cases/B14/reviews.jsonl'), sharedPath('cases/B14/meta.jsonl')], { quiet: true });
    const { interactions: x } = await loadDataset(env.store);
    const seen = new Set<string>();
    for (let j = 0; j < x.user.length; j++) seen.add(`${x.userIds[x.user[j]]}>${x.itemIds[x.item[j]]}`);
    expect(seen.has('UX1402>PX1401')).toBe(true);
    expect(x.user.length).toBe(6);
    const j = [...x.user.keys()].find((k) => x.userIds[x.user[k]] === 'UX1402' && x.itemIds[x.item[k]] === 'PX1401')!;
    expect(Number.isNaN(x.rating[j])).toBe(true);
  });

  it('counts one item per parent_asin and puts metadata-only items last', async () => {
    const summary = await ingestFiles(env.store, [sharedPath('cases/B14/meta.jsonl'), sharedPath('cases/B14/reviews.jsonl')], { quiet: true });
    const data = await loadDataset(env.store);
    expect(data.interactions.itemIds).toEqual(['PX1401', 'PX1402', 'PX1403', 'PX1404', 'PX1405']);
    expect(data.itemsWithInteractions).toBe(4);
    expect(summary.metadataOnlyItems).toBe(1);
    expect(data.items.map((r) => r.itemId)).toEqual(data.interactions.itemIds);
    expect(data.items[4].title).toBe('Test Item PX1405');
    const ux1401 = data.interactions.userIds.indexOf('UX1401');
    const px1402 = data.interactions.itemIds.indexOf('PX1402');
    const pairs = [...data.interactions.user.keys()].filter((k) => data.interactions.user[k] === ux1401 && data.interactions.item[k] === px1402);
    expect(pairs).toHaveLength(1);
  });
});
