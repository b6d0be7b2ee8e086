import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, TwostageError, type ErrorCode } from '../errors.js';

/** Body of every error response: `{"error": {"code": "REC_ERR_…", "message": "…"}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Configured limits named in error messages. */
export interface ErrorLimits {
  readonly bodyLimit: number;
  readonly maxTopK: number;
}

/** Fastify's own error codes mapped to ours. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'REC_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REC_ERR_MEDIA_TYPE_UNSUPPORTED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REC_ERR_REQUEST_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REC_ERR_REQUEST_INVALID',
  FST_ERR_CTP_INVALID_JSON_BODY: 'REC_ERR_REQUEST_INVALID',
};

/**
 * Codes of documented 5xx responses to a known state, not a fault (no model promoted yet). They are
 * logged as one warn line without a stack. Every other 5xx is logged at error level with the stack.
 */
const EXPECTED_UNAVAILABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['REC_ERR_NO_PRODUCTION_MODEL']);

/** Installs the error and not-found handlers so every failure responds with the error shape. */
export function installErrorHandlers(app: FastifyInstance, limits: ErrorLimits): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const body = toErrorBody(error, request, limits);
    const status = ERROR_CODES[body.error.code].status;
    if (EXPECTED_UNAVAILABLE.has(body.error.code)) {
      request.log.warn({ code: body.error.code, reason: body.error.message }, 'request unavailable');
    } else if (status >= 500) {
      request.log.error({ err: error, code: body.error.code }, 'request failed');
    } else {
      request.log.info({ code: body.error.code, reason: body.error.message }, 'request rejected');
    }
    void reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: { code: 'REC_ERR_ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}; see GET /docs for the API` },
    } satisfies ErrorBody);
  });
}

function toErrorBody(error: FastifyError, request: FastifyRequest, limits: ErrorLimits): ErrorBody {
  if (error.validation) return { error: { code: 'REC_ERR_REQUEST_INVALID', message: validationMessage(error, limits) } };
  if (error instanceof TwostageError) return { error: { code: error.code, message: error.message } };

  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped === 'REC_ERR_BODY_TOO_LARGE') {
    return { error: { code: mapped, message: `request body is larger than the limit of ${limits.bodyLimit} bytes (BODY_LIMIT)` } };
  }
  if (mapped === 'REC_ERR_MEDIA_TYPE_UNSUPPORTED') {
    return { error: { code: mapped, message: `unsupported Content-Type "${request.headers['content-type'] ?? ''}"; send the body as application/json` } };
  }
  if (mapped) return { error: { code: mapped, message: `invalid request body: ${error.message}` } };
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { error: { code: 'REC_ERR_REQUEST_INVALID', message: error.message } };
  }
  return { error: { code: 'REC_ERR_INTERNAL', message: `internal error; the server log has the details under request id ${request.id}` } };
}

/** Turns the first Ajv issue into one sentence naming the field, the rule and the value's fix. */
function validationMessage(error: FastifyError, limits: ErrorLimits): string {
  const issue = error.validation?.[0];
  if (!issue) return error.message;
  const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body';
  const params = issue.params as Record<string, unknown>;
  switch (issue.keyword) {
    case 'additionalProperties':
      return `unknown field "${String(params.additionalProperty)}" in the request body; allowed fields: user_id, top_k`;
    case 'required':
      return `missing required field "${String(params.missingProperty)}" in the request body`;
    case 'type':
      return `${field} must be of type ${String(params.type)}`;
    case 'minimum':
    case 'maximum':
      return `${field} must be an integer from 1 to ${limits.maxTopK} (MAX_TOP_K)`;
    case 'minLength':
    case 'pattern':
      return `${field} must be a non-empty string with at least one non-space character`;
    case 'maxLength':
      return `${field} must be at most ${String(params.limit)} characters long (MAX_USER_ID_LENGTH)`;
    default:
      return `${field} ${issue.message ?? 'is invalid'}`;
  }
}
