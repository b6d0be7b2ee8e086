import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readId } from '../data/policy.js';
import { TwostageError } from '../errors.js';
import type { Logger } from '../log.js';
import { installErrorHandlers } from './error-handler.js';
import { checkHealth, type PingTarget } from './health.js';
import { countRecommendation, type ServingMetrics } from './metrics.js';
import type { ModelHolder } from './model-holder.js';
import { recommend, type RecommendDeps } from './recommend.js';
import { ERROR_BODY_SCHEMA, recommendationSchema } from './schemas.js';

export interface AppLimits {
  readonly maxTopK: number;
  readonly defaultTopK: number;
  readonly maxUserIdLength: number;
  /** Largest request body, bytes. */
  readonly bodyLimit: number;
  /** Timeout of one store call, ms. */
  readonly storeTimeoutMs: number;
}

export interface AppOptions {
  readonly limits: AppLimits;
  readonly holder: ModelHolder;
  readonly recommendDeps: Omit<RecommendDeps, 'models' | 'log'>;
  readonly stores: readonly PingTarget[];
  readonly metrics: ServingMetrics;
  readonly logger: Logger;
}

/** A request id from the caller's `x-request-id` header when it is short and printable, else a new UUID. */
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * Fastify's log lines with the two per-request lines moved from info to debug: at 1,000 requests/s
 * they cost CPU and fill the log, and /metrics already counts every request by route and status.
 * Errors while responding stay at error, and the error handler logs rejected (info) and failed (error) requests.
 */
class ServingLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, _request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * Parses a request body as JSON. Keys that could change an object's prototype once the body is
 * merged into another object (`__proto__`, and `prototype` under `constructor`) are rejected,
 * as Fastify's default parser rejects them.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new TwostageError('REC_ERR_REQUEST_INVALID', 'the request body is empty; send a JSON object such as {"user_id": "U1", "top_k": 10}');
  try {
    // A reviver slows every parse, so it runs only when such a key could be present: spelled out,
    // or hidden behind a \u escape.
    if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\')) return JSON.parse(text);
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)) {
        throw new TwostageError('REC_ERR_REQUEST_INVALID', `the request body has the key "${key === '__proto__' ? '__proto__' : 'constructor.prototype'}", which the API rejects; remove it`);
      }
      return value;
    });
  } catch (error) {
    if (error instanceof TwostageError) throw error;
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Builds the Fastify app; the caller listens and closes it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { limits, holder, metrics } = options;
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    bodyLimit: limits.bodyLimit,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    // Reject unknown fields and wrong types instead of silently dropping or coercing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    // While closing, a request on a connection still open is served as usual, then its connection
    // is closed. Fastify's own 503 for it has a body outside the API's error shape.
    return503OnClosing: false,
    logController: new ServingLogController(),
  });
  installErrorHandlers(app, { bodyLimit: limits.bodyLimit, maxTopK: limits.maxTopK });
  closeConnectionsWhileClosing(app);
  // The API takes JSON only; a text body would otherwise reach validation as a string.
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser returns "Body is not valid JSON" for a syntax error and for a
  // __proto__ key alike. This parser's messages tell the two apart.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'twostage', version: '0.1.0', description: 'Two-stage recommender API: retrieval candidates reordered by a gradient-boosted ranker.' },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Callback hooks, not async ones: they run on every request and need no promise.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  const deps: RecommendDeps = { ...options.recommendDeps, models: () => holder.current, log: options.logger };
  const startedAt = Date.now();

  app.get('/', { schema: { summary: 'Service information and liveness', hide: false } }, async () => ({
    name: 'twostage',
    status: 'live',
    endpoints: { recommendations: 'POST /recommendations', health: 'GET /health', live: 'GET /health/live', docs: 'GET /docs', metrics: 'GET /metrics' },
    model_versions: { retrieval: holder.current.retrieval?.version ?? null, ranker: holder.current.ranker?.version ?? null },
  }));

  app.get('/health/live', { schema: { summary: 'Liveness: the process answers' } }, async () => ({ live: true }));

  app.get('/health', { schema: { summary: 'Readiness: store checks and loaded model versions (503 when not ready)' } }, async (_request, reply) => {
    const report = await checkHealth(options.stores, holder.current, holder.loadFailures, limits.storeTimeoutMs, startedAt);
    return reply.code(report.ready ? 200 : 503).send(report);
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.post<{ Body: { user_id: string; top_k: number } }>(
    '/recommendations',
    { schema: { ...recommendationSchema(limits), response: { ...recommendationSchema(limits).response, 404: ERROR_BODY_SCHEMA } } },
    async (request) => {
      // Ids are trimmed as ingest trims them, so " U1 " is user U1; the schema's pattern rejects blank ids first.
      const userId = readId(request.body.user_id) ?? request.body.user_id;
      const body = await recommend(deps, userId, request.body.top_k);
      countRecommendation(metrics, body);
      if (body.fallback) request.log.debug({ userId: body.user_id, reason: body.fallback_reason }, 'served fallback');
      return body;
    },
  );

  return app;
}

/**
 * Adds `connection: close` to every response once the server starts closing, so Node closes the
 * connection after it. Without it, a request in flight when the close began keeps its connection,
 * and so the process, alive until the client leaves or Fastify's keep-alive timeout (72 s) ends.
 */
function closeConnectionsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
