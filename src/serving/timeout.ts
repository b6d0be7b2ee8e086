import { StoreError } from '../errors.js';

/**
 * Resolves with `promise`, or rejects with REC_ERR_STORE_UNAVAILABLE after `ms` milliseconds. The
 * underlying call is not cancelled (store clients offer no cancellation); its late result is dropped.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError('REC_ERR_STORE_UNAVAILABLE', `${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
