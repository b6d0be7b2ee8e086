import v8 from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring in a serving process. While a server warms up, its young
 * generation is small, so a request's short-lived objects (candidate lists, encoded rows, typed
 * arrays) are often still in flight when it is collected. V8 then decides that their allocation
 * sites make long-lived objects and allocates them in the old generation from then on. Each request
 * leaves its garbage there, and at 1,000 requests/s a full mark-compact follows every few seconds.
 * Its marking competes with the requests for the CPU, a stall of tens of milliseconds that set the
 * p99 of the serving benchmark (docs/benchmarks.md). Without pretenuring the same objects die in the
 * young generation. V8 reads the flag at each collection, so setting it at start-up takes effect.
 */
export function disablePretenuring(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
