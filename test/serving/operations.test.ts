import { afterEach, describe, expect, it } from 'vitest';
import { constantRankerJson, createServingFixture, slowStore, type ServingFixture } from './fixture.js';

let fixture: ServingFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('health, metrics and docs', () => {
  it('reports stores and model versions', async () => {
    fixture = await createServingFixture();
    const response = await fixture.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ok');
    expect(body.ready).toBe(true);
    expect(body.models.retrieval).toEqual({ version: 's1', candidate_version: 'c1' });
    expect(body.models.ranker.version).toBe('r1');
    expect(Object.keys(body.stores).sort()).toEqual(['candidates', 'online', 'registry']);
    expect(body.stores.online.ok).toBe(true);
  });

  it('reports not ready without models', async () => {
    fixture = await createServingFixture({ empty: true });
    const response = await fixture.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json().status).toBe('unavailable');
    expect((await fixture.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('times out a hanging store ping', async () => {
    fixture = await createServingFixture({ wrapOnline: (store) => slowStore(store, 1_000) });
    const started = Date.now();
    const response = await fixture.app.inject({ method: 'GET', url: '/health' });
    expect(Date.now() - started).toBeLessThan(900);
    expect(response.statusCode).toBe(503);
    expect(response.json().stores.online.error).toMatch(/timed out after 200 ms/);
  });

  it('exposes Prometheus metrics', async () => {
    fixture = await createServingFixture();
    await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: { user_id: 'U1', top_k: 2 } });
    await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: { user_id: 'ghost', top_k: 2 } });
    const response = await fixture.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    const text = response.body;
    expect(text).toMatch(/twostage_http_request_duration_seconds_bucket\{.*route="\/recommendations"/);
    expect(text).toMatch(/twostage_recommendations_total\{served_path="precomputed",fallback="false",reason="none"\} 1/);
    expect(text).toMatch(/twostage_recommendations_total\{served_path="non_personalized",fallback="true",reason="unknown_user"\} 1/);
  });

  it('serves the OpenAPI document', async () => {
    fixture = await createServingFixture();
    const response = await fixture.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/recommendations'].post.requestBody.content['application/json'].schema.properties.top_k.maximum).toBe(100);
    expect((await fixture.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});

describe('model reload', () => {
  it('swaps in a promoted ranker', async () => {
    fixture = await createServingFixture();
    await fixture.addRanker('r2', constantRankerJson(), 2_000);
    await fixture.registry.promote('ranker', 'r2');
    expect(await fixture.holder.refresh()).toBe(true);
    const body = (await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: { user_id: 'U1', top_k: 1 } })).json();
    expect(body.model_versions.ranker).toBe('r2');
  });

  it('unloads an archived ranker and keeps retrieval', async () => {
    fixture = await createServingFixture();
    await fixture.registry.archiveProduction('ranker');
    await fixture.registry.archiveProduction('retrieval');
    expect(await fixture.holder.refresh()).toBe(true);
    expect(fixture.holder.current.ranker).toBeNull();
    // Retrieval without a successor keeps serving, so requests do not fail.
    expect(fixture.holder.current.retrieval?.version).toBe('s1');
    const response = await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: { user_id: 'U1', top_k: 1 } });
    expect(response.statusCode).toBe(200);
    expect(response.json().model_versions.ranker).toBeNull();
  });

  it('keeps serving when a new version fails to load', async () => {
    fixture = await createServingFixture();
    await fixture.addRanker('broken', '{"learner": {}}', 2_000);
    await fixture.registry.promote('ranker', 'broken');
    expect(await fixture.holder.refresh()).toBe(false);
    expect(fixture.holder.current.ranker?.version).toBe('r1');
    const health = (await fixture.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.models.ranker.version).toBe('r1');
    expect(health.load_failures.ranker.version).toBe('broken');
    const response = await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: { user_id: 'U1', top_k: 1 } });
    expect(response.statusCode).toBe(200);
    expect(response.json().model_versions.ranker).toBe('r1');
  });
});
