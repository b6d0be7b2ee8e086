import { StoreError, TwostageError } from '../../errors.js';
import { maskUrl } from '../../config/load.js';

/** Store name, masked URL and time limit of a networked store, for its errors and call timeouts. */
export interface CallContext {
  /** Interface name, such as `online` or `candidate`. */
  readonly kind: string;
  /** Store URL with the password masked. */
  readonly maskedUrl: string;
  /** Limit of one call, ms. */
  readonly timeoutMs: number;
}

export function callContext(kind: string, url: URL | string, timeoutMs: number): CallContext {
  return { kind, maskedUrl: maskUrl(url.toString()), timeoutMs };
}

/** Error codes and message fragments of the Node, ioredis, pg and AWS SDK clients for a server that cannot be reached. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
const NETWORK_MESSAGES = [/connection is closed/i, /connection terminated/i, /stream isn.t writeable/i, /socket hang up/i, /timeout/i, /timed out/i];

/** True when an error means the server could not be reached, as opposed to a rejected request. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof TwostageError) return false;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, name, message, errors, cause } = current as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (typeof message === 'string' && NETWORK_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // Node reports a refused dual-stack connect as an AggregateError of one error per address.
    if (Array.isArray(errors) && errors.some((inner) => isUnreachable(inner))) return true;
    current = cause;
  }
  return false;
}

/** Builds the error for a store that cannot be reached: it names the store, the masked URL and the operation. */
export function unavailableError(context: CallContext, operation: string, error: unknown): StoreError {
  const reason = describe(error);
  return new StoreError(
    'REC_ERR_STORE_UNAVAILABLE',
    `${context.kind} store ${context.maskedUrl} is unavailable: ${operation} failed: ${reason}; check that the server is running and the URL is right`,
    { cause: error },
  );
}

/**
 * Runs one store call with a time limit. A call that takes longer than `context.timeoutMs` is
 * rejected with REC_ERR_STORE_UNAVAILABLE (the call itself may still finish in the background; the
 * clients bound their own sockets too), and network failures become the same error with the store
 * named. Other errors pass through unchanged.
 */
export async function guard<T>(context: CallContext, operation: string, run: () => Promise<T>, timeoutMs = context.timeoutMs): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new StoreError('REC_ERR_STORE_UNAVAILABLE', `${context.kind} store ${context.maskedUrl}: ${operation} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (error) {
    if (error instanceof TwostageError) throw error;
    if (isUnreachable(error)) throw unavailableError(context, operation, error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner) => describe(inner)).join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
