import Fastify from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TwostageError } from '../../src/errors.js';
import { installErrorHandlers } from '../../src/serving/error-handler.js';
import { createServingFixture, type ServingFixture } from './fixture.js';

let fixture: ServingFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Parsed log lines that carry an error code (pino levels: 30 info, 40 warn, 50 error). */
function codeLines(lines: string[]): { level: number; code: string; msg: string; err?: { stack?: string } }[] {
  return lines.map((line) => JSON.parse(line)).filter((entry) => typeof entry.code === 'string');
}

describe('error log level', () => {
  it('logs no production model as warn', async () => {
    const lines: string[] = [];
    fixture = await createServingFixture({ empty: true, logLines: lines });
    const response = await fixture.app.inject({ method: 'POST', url: '/recommendations', payload: { user_id: 'U1', top_k: 3 } });
    expect(response.statusCode).toBe(503);
    const logged = codeLines(lines);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, code: 'REC_ERR_NO_PRODUCTION_MODEL' });
    expect(logged[0].err).toBeUndefined();
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('logs unexpected 5xx as error', async () => {
    const lines: string[] = [];
    const app = Fastify({ loggerInstance: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });
    installErrorHandlers(app, { bodyLimit: 1_000, maxTopK: 10 });
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    app.get('/unavailable', async () => {
      throw new TwostageError('REC_ERR_STORE_UNAVAILABLE', 'online store timed out');
    });
    try {
      expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
      expect((await app.inject({ method: 'GET', url: '/unavailable' })).statusCode).toBe(503);
      const logged = codeLines(lines);
      expect(logged.map((entry) => [entry.level, entry.code])).toEqual([
        [50, 'REC_ERR_INTERNAL'],
        [50, 'REC_ERR_STORE_UNAVAILABLE'],
      ]);
      expect(logged[0].err?.stack).toMatch(/Error: boom\n\s+at /);
    } finally {
      await app.close();
    }
  });
});
