import { Worker } from 'node:worker_threads';
import type { BinnedMatrix } from './binned-matrix.js';
import { accumulateHistogram, type HistogramBuilder } from './histogram.js';

/** Allocates a Float32Array on a SharedArrayBuffer, which worker threads read without copying. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

function shareCopy<T extends Int32Array | Uint16Array>(source: T): T {
  const Ctor = source.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return copy;
}

/** Nodes with fewer rows are built on the calling thread alone, where waking a worker costs more than it saves. */
export const PARALLEL_MIN_ROWS = 8192;

/** Maximum wait for the worker's half of one histogram before training fails. */
const WORKER_TIMEOUT_MS = 60_000;

/* Control slots shared with the worker. */
const JOB = 0;
const BEGIN = 1;
const END = 2;
const DONE = 3;

/**
 * The worker's body. It runs `accumulateHistogram` (its source is passed in, so the kernel exists
 * once) on the second half of a node's rows whenever the JOB counter changes, then publishes DONE.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const accumulate = (${accumulateHistogram.toString()});
const { control, hist, bins, rowIndex, grad, hess } = workerData;
let seen = 0;
for (;;) {
  Atomics.wait(control, ${JOB}, seen);
  const job = Atomics.load(control, ${JOB});
  if (job < 0) break;
  seen = job;
  hist.fill(0);
  accumulate(bins, rowIndex, control[${BEGIN}], control[${END}], grad, hess, hist);
  Atomics.store(control, ${DONE}, job);
  Atomics.notify(control, ${DONE});
}
`;

/**
 * Builds histograms on two threads: the calling thread sums the first half of a node's rows while
 * one worker thread sums the second half into its own buffer, then the halves are added. The rows
 * are split by position, so the result does not depend on timing. `grad`, `hess` and `rowIndex`
 * must be SharedArrayBuffer-backed (see sharedFloat32 / sharedInt32).
 */
class ParallelHistogramBuilder implements HistogramBuilder {
  private job = 0;

  constructor(
    private readonly bins: BinnedMatrix,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly workerHist: Float64Array,
  ) {}

  build(rowIndex: Int32Array, begin: number, end: number, grad: Float32Array, hess: Float32Array, hist: Float64Array): void {
    if (end - begin < PARALLEL_MIN_ROWS) {
      accumulateHistogram(this.bins, rowIndex, begin, end, grad, hess, hist);
      return;
    }
    const middle = (begin + end) >>> 1;
    const job = ++this.job;
    this.control[BEGIN] = middle;
    this.control[END] = end;
    Atomics.store(this.control, JOB, job);
    Atomics.notify(this.control, JOB);

    accumulateHistogram(this.bins, rowIndex, begin, middle, grad, hess, hist);

    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.control, DONE);
      if (done === job) break;
      if (Date.now() > deadline) throw new Error(`histogram worker did not finish within ${WORKER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.control, DONE, done, 1000);
    }
    const other = this.workerHist;
    for (let i = 0; i < hist.length; i++) hist[i] += other[i];
  }

  async close(): Promise<void> {
    Atomics.store(this.control, JOB, -1);
    Atomics.notify(this.control, JOB);
    await this.worker.terminate();
  }
}

/** Starts the worker thread of a two-thread histogram builder. */
export async function createParallelHistogramBuilder(
  bins: BinnedMatrix,
  grad: Float32Array,
  hess: Float32Array,
  rowIndex: Int32Array,
): Promise<HistogramBuilder> {
  if (!(grad.buffer instanceof SharedArrayBuffer) || !(hess.buffer instanceof SharedArrayBuffer) || !(rowIndex.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError('grad, hess and rowIndex must be backed by SharedArrayBuffer for the two-thread histogram builder');
  }
  const control = sharedInt32(4);
  const workerHist = new Float64Array(new SharedArrayBuffer(16 * bins.totalBins));
  const sharedBins = { rowPtr: shareCopy(bins.rowPtr), entryBins: shareCopy(bins.entryBins) };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, hist: workerHist, bins: sharedBins, rowIndex, grad, hess },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('online', () => resolve());
    worker.once('error', reject);
  });
  // An idle worker must not keep the process alive if a caller forgets close().
  worker.unref();
  return new ParallelHistogramBuilder(bins, worker, control, workerHist);
}
