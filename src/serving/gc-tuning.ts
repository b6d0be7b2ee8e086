import v8 from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring in a serving process. The likely cause of what it
 * fixes: while a server warms up, its young generation is small, so a request's short-lived objects
 * (candidate lists, encoded rows, typed arrays) are often still in flight when it is collected. V8
 * then takes their allocation sites for makers of long-lived objects and allocates them in the old
 * generation from then on. Each request leaves its garbage there, and at 1,000 requests/s a full
 * mark-compact followed about every 10 s in the benchmark's trace.
 * Its marking competes with the requests for the CPU, a stall of tens of milliseconds that set the
 * p99 of the serving benchmark (docs/benchmarks.md). Without pretenuring the same objects die in the
 * young generation. Set at run time rather than on the command line, it still took effect: the
 * old generation grew about 6 times slower in the benchmark's trace.
 */
export function disablePretenuring(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
