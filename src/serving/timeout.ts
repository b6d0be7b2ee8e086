import { StoreError } from '../errors.js';

/**
 * Resolves with `promise`, or rejects with REC_ERR_STORE_UNAVAILABLE after `ms` milliseconds. The
 * underlying call is not cancelled (store clients offer no cancellation); its late result is dropped.
 * It creates one promise and one timer per call, because it runs on every store read of a request.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreError('REC_ERR_STORE_UNAVAILABLE', `${what} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
