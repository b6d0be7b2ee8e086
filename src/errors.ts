/**
 * Errors with stable codes. Callers branch on `code`, never on message text; `httpStatus` is what
 * the API answers when the error reaches a request. Every code is listed in docs/errors.md, and a
 * test keeps that list and ERROR_CODES in step.
 */
export const ERROR_CODES = {
  REC_ERR_CONFIG_INVALID: { status: 500, description: 'A setting is unknown or has an invalid value.' },
  REC_ERR_INPUT_INVALID: { status: 400, description: 'An input file, line or field is malformed.' },
  REC_ERR_INPUT_NOT_FOUND: { status: 404, description: 'An input file or folder does not exist.' },
  REC_ERR_STORE_UNSUPPORTED: { status: 500, description: 'A store URL has a scheme no backend handles.' },
  REC_ERR_STORE_UNAVAILABLE: { status: 503, description: 'A store could not be reached or timed out.' },
  REC_ERR_DATASET_MISSING: { status: 409, description: 'No dataset has been ingested into the offline store yet.' },
  REC_ERR_FEATURES_MISSING: { status: 409, description: 'No feature history has been computed yet (run twostage features).' },
  REC_ERR_MODEL_INVALID: { status: 500, description: 'A model file is malformed or does not match what the caller expects.' },
  REC_ERR_MODEL_NOT_FOUND: { status: 404, description: 'A model version or artifact does not exist.' },
  REC_ERR_REQUEST_INVALID: { status: 400, description: 'An API request body or parameter is invalid.' },
  REC_ERR_TRAINING_FAILED: { status: 500, description: 'A trainer received data it cannot train on.' },
  REC_ERR_REGISTRY_CONFLICT: { status: 409, description: 'A model version already exists, or a stage change would leave two production versions of one kind.' },
  REC_ERR_NO_PRODUCTION_MODEL: { status: 503, description: 'No production model of a required kind is registered or loaded yet; run the pipeline or promote a version.' },
  REC_ERR_ROUTE_NOT_FOUND: { status: 404, description: 'The API has no route for this method and path.' },
  REC_ERR_BODY_TOO_LARGE: { status: 413, description: 'The request body is larger than BODY_LIMIT bytes.' },
  REC_ERR_MEDIA_TYPE_UNSUPPORTED: { status: 415, description: 'The request body is not JSON (Content-Type must be application/json).' },
  REC_ERR_INTERNAL: { status: 500, description: 'An unexpected failure; the log line with the same request id has the details.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TwostageError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TwostageError';
    this.code = code;
    this.httpStatus = ERROR_CODES[code].status;
  }
}

export class ConfigError extends TwostageError {
  constructor(message: string) {
    super('REC_ERR_CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

/** A malformed input: `file` and `line` (1-based) locate it when known. */
export class InputError extends TwostageError {
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, location: { file?: string; line?: number } = {}) {
    const where = location.file ? `${location.file}${location.line ? `:${location.line}` : ''}: ` : '';
    super('REC_ERR_INPUT_INVALID', `${where}${message}`);
    this.name = 'InputError';
    this.file = location.file;
    this.line = location.line;
  }
}

export class StoreError extends TwostageError {
  constructor(code: 'REC_ERR_STORE_UNSUPPORTED' | 'REC_ERR_STORE_UNAVAILABLE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

export class ModelError extends TwostageError {
  constructor(code: 'REC_ERR_MODEL_INVALID' | 'REC_ERR_MODEL_NOT_FOUND', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ModelError';
  }
}
