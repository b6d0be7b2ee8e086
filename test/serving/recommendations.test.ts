import { afterEach, describe, expect, it } from 'vitest';
import { createServingFixture, ITEM_LAST_INTERACTION, ratingSplitRankerJson, slowStore, type ServingFixture } from './fixture.js';

let fixture: ServingFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function post(f: ServingFixture, body: unknown) {
  return f.app.inject({ method: 'POST', url: '/recommendations', payload: body as object });
}

const ids = (body: { recommendations: { parent_asin: string }[] }) => body.recommendations.map((r) => r.parent_asin);

describe('POST /recommendations', () => {
  it('ranks precomputed candidates without history', async () => {
    fixture = await createServingFixture();
    const response = await post(fixture, { user_id: 'U1', top_k: 10 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    // Constant ranker: ties broken by retrieval score, then item id; I2 is in U1's history.
    expect(ids(body)).toEqual(['I3', 'I4', 'I5']);
    expect(body.num_recommendations).toBe(3);
    expect(body.served_path).toBe('precomputed');
    expect(body.fallback).toBe(false);
    expect(body.fallback_reason).toBeNull();
    expect(body.model_versions).toEqual({ retrieval: 's1', ranker: 'r1', candidates: 'c1' });
    expect(body.recommendations.every((r: { predicted_rating: number }) => r.predicted_rating === 0.5)).toBe(true);
  });

  it('cuts the list at top_k', async () => {
    fixture = await createServingFixture();
    const body = (await post(fixture, { user_id: 'U1', top_k: 2 })).json();
    expect(ids(body)).toEqual(['I3', 'I4']);
    expect(body.num_recommendations).toBe(2);
  });

  it('uses the default top_k when absent', async () => {
    fixture = await createServingFixture();
    const response = await post(fixture, { user_id: 'U2' });
    expect(response.statusCode).toBe(200);
    expect(response.json().num_recommendations).toBe(5);
  });

  it('reads features by name for the ranker', async () => {
    fixture = await createServingFixture();
    await fixture.addRanker('r2', ratingSplitRankerJson(), 2_000);
    await fixture.registry.promote('ranker', 'r2');
    await fixture.holder.refresh();
    const body = (await post(fixture, { user_id: 'U1', top_k: 10 })).json();
    expect(ids(body)).toEqual(['I4', 'I5', 'I3']);
    expect(body.recommendations.map((r: { predicted_rating: number }) => r.predicted_rating)).toEqual([1.5, 1.5, -0.5]);
    expect(body.model_versions.ranker).toBe('r2');
  });

  it('derives time features as of the data time', async () => {
    // The split sends items last seen less than 10 days before the feature time to the low leaf.
    const dayMs = 86_400_000;
    fixture = await createServingFixture({ dataTime: ITEM_LAST_INTERACTION + 2 * dayMs });
    await fixture.addRanker('r2', ratingSplitRankerJson('item_days_since_last_interaction', 10), 2_000);
    await fixture.registry.promote('ranker', 'r2');
    await fixture.holder.refresh();
    const body = (await post(fixture, { user_id: 'U1', top_k: 10 })).json();
    expect(body.recommendations.map((r: { predicted_rating: number }) => r.predicted_rating)).toEqual([-0.5, -0.5, -0.5]);
  });

  it('retrieves on the fly for a known user', async () => {
    fixture = await createServingFixture();
    const body = (await post(fixture, { user_id: 'U2', top_k: 10 })).json();
    expect(body.served_path).toBe('on_the_fly');
    expect(body.fallback).toBe(false);
    expect(ids(body)).toEqual(['I4', 'I5', 'I3', 'I2', 'I6']);
    expect(ids(body)).not.toContain('I1');
  });

  it('answers unknown users with one flagged list', async () => {
    fixture = await createServingFixture();
    const first = await post(fixture, { user_id: 'nobody', top_k: 3 });
    const second = await post(fixture, { user_id: 'somebody-else', top_k: 3 });
    expect(first.statusCode).toBe(200);
    const a = first.json();
    const b = second.json();
    expect(a.fallback).toBe(true);
    expect(a.fallback_reason).toBe('unknown_user');
    expect(a.served_path).toBe('non_personalized');
    expect(ids(a)).toEqual(['I3', 'I5', 'I1']);
    expect({ ...a, user_id: '' }).toEqual({ ...b, user_id: '' });
  });

  it('trims user ids as ingest does', async () => {
    fixture = await createServingFixture();
    const plain = (await post(fixture, { user_id: 'U1', top_k: 3 })).json();
    for (const padded of [' U1', 'U1 ', '\tU1\n', '\u00a0U1\u3000']) {
      const response = await post(fixture, { user_id: padded, top_k: 3 });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.user_id).toBe('U1');
      expect(body.fallback).toBe(false);
      expect(body).toEqual(plain);
    }
    const blank = await post(fixture, { user_id: ' \t ', top_k: 3 });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.code).toBe('REC_ERR_REQUEST_INVALID');
  });

  it('gives identical bytes on repeated calls', async () => {
    fixture = await createServingFixture();
    const bodies = new Set<string>();
    for (let i = 0; i < 20; i++) bodies.add((await post(fixture, { user_id: 'U1', top_k: 3 })).body);
    expect(bodies.size).toBe(1);
  });

  it('degrades when the candidate store is slow', async () => {
    fixture = await createServingFixture({ wrapCandidates: (store) => slowStore(store, 1_000) });
    const started = Date.now();
    const response = await post(fixture, { user_id: 'U1', top_k: 3 });
    expect(Date.now() - started).toBeLessThan(900);
    expect(response.statusCode).toBe(200);
    expect(response.json().fallback_reason).toBe('candidate_store_unavailable');
    expect(ids(response.json())).toEqual(['I3', 'I5', 'I1']);
  });

  it('degrades when the online store is slow', async () => {
    fixture = await createServingFixture({ wrapOnline: (store) => slowStore(store, 1_000) });
    const response = await post(fixture, { user_id: 'U1', top_k: 3 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.fallback).toBe(true);
    expect(body.fallback_reason).toBe('online_store_unavailable');
    expect(ids(body)).toEqual(['I3', 'I4', 'I2']);
  });

  it('answers 503 without a retrieval model', async () => {
    fixture = await createServingFixture({ empty: true });
    const response = await post(fixture, { user_id: 'U1', top_k: 3 });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('REC_ERR_NO_PRODUCTION_MODEL');
  });
});
