import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServingFixture, type ServingFixture } from './fixture.js';

let fixture: ServingFixture;

beforeAll(async () => {
  fixture = await createServingFixture();
});

afterAll(async () => {
  await fixture.close();
});

const cases: { name: string; payload: string; message: RegExp }[] = [
  { name: 'top_k zero', payload: '{"user_id":"U1","top_k":0}', message: /top_k must be an integer from 1 to 100/ },
  { name: 'top_k above max', payload: '{"user_id":"U1","top_k":101}', message: /top_k must be an integer from 1 to 100/ },
  { name: 'top_k fraction', payload: '{"user_id":"U1","top_k":2.5}', message: /top_k must be of type integer/ },
  { name: 'top_k string', payload: '{"user_id":"U1","top_k":"5"}', message: /top_k must be of type integer/ },
  { name: 'user_id missing', payload: '{"top_k":5}', message: /missing required field "user_id"/ },
  { name: 'user_id empty', payload: '{"user_id":"","top_k":5}', message: /user_id must be a non-empty string/ },
  { name: 'user_id blank', payload: '{"user_id":"   ","top_k":5}', message: /user_id must be a non-empty string/ },
  { name: 'user_id number', payload: '{"user_id":17,"top_k":5}', message: /user_id must be of type string/ },
  { name: 'user_id too long', payload: JSON.stringify({ user_id: 'u'.repeat(65), top_k: 5 }), message: /at most 64 characters/ },
  { name: 'unknown field', payload: '{"user_id":"U1","top_k":5,"debug":true}', message: /unknown field "debug"/ },
  { name: 'malformed JSON', payload: '{"user_id":', message: /the request body is not valid JSON: / },
  { name: '__proto__ key', payload: '{"user_id":"U1","top_k":5,"__proto__":{"x":1}}', message: /the request body has the key "__proto__"/ },
  { name: 'escaped __proto__ key', payload: '{"user_id":"U1","top_k":5,"\\u005f_proto__":{"x":1}}', message: /the request body has the key "__proto__"/ },
  { name: 'constructor.prototype key', payload: '{"user_id":"U1","top_k":5,"constructor":{"prototype":{}}}', message: /"constructor.prototype"/ },
  { name: 'empty body', payload: '  ', message: /the request body is empty/ },
  { name: 'array body', payload: '[1,2]', message: /body must be of type object/ },
];

describe('request validation', () => {
  for (const { name, payload, message } of cases) {
    it(`rejects ${name} with 400`, async () => {
      const response = await fixture.app.inject({ method: 'POST', url: '/recommendations', payload, headers: { 'content-type': 'application/json' } });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body.error.code).toBe('REC_ERR_REQUEST_INVALID');
      expect(body.error.message).toMatch(message);
      expect(Object.keys(body)).toEqual(['error']);
    });
  }

  it('rejects a body over the limit with 413', async () => {
    const payload = JSON.stringify({ user_id: 'U1', top_k: 5, pad: 'x'.repeat(2_000) });
    const response = await fixture.app.inject({ method: 'POST', url: '/recommendations', payload, headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('REC_ERR_BODY_TOO_LARGE');
    expect(response.json().error.message).toMatch(/1024 bytes/);
  });

  it('rejects a non-JSON body with 415', async () => {
    const response = await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: 'user_id=U1', headers: { 'content-type': 'text/plain' } });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('REC_ERR_MEDIA_TYPE_UNSUPPORTED');
  });

  it('answers an unknown route with 404', async () => {
    const response = await fixture.app.inject({ method: 'GET', url: '/recommend' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('REC_ERR_ROUTE_NOT_FOUND');
  });

  it('echoes a request id header', async () => {
    const given = await fixture.app.inject({ method: 'GET', url: '/', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await fixture.app.inject({ method: 'GET', url: '/', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
