import { Worker } from 'node:worker_threads';
import type { BinnedMatrix } from './binned-matrix.js';
import { accumulateHistogram, addHistogram, SPLIT_MIN_ROWS } from './histogram.js';
import type { NodeKernels } from './kernels.js';
import { partitionRange } from './partition.js';

/** Allocates a Float64Array on a SharedArrayBuffer, which worker threads read without copying. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

/** Maximum wait for the worker's half of one job before training fails. */
const WORKER_TIMEOUT_MS = 60_000;

/**
 * Polls of the control word before a thread sleeps in Atomics.wait: a few tens of microseconds,
 * about the gap between two jobs of one tree level, so consecutive jobs skip the futex wake-up.
 */
const SPIN_POLLS = 2000;

/* Control slots shared with the worker. */
const JOB = 0;
const KIND = 1;
const BEGIN = 2;
const END = 3;
const OFFSET = 4;
const DONE = 5;
const RESULT = 6;
const CONTROL_SLOTS = 7;

const KIND_HISTOGRAM = 0;
const KIND_PARTITION = 1;

/**
 * The worker's body. Whenever the JOB counter changes it runs one job on the second half of a
 * node's rows: `accumulateHistogram` into its own buffer, or `partitionRange` into its own spill
 * buffer with the left count in RESULT. Then it publishes DONE. Both kernels' sources are passed
 * in, so each exists once.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const accumulate = (${accumulateHistogram.toString()});
const partition = (${partitionRange.toString()});
const { control, hist, bins, rowIndex, gradPairs, goesRight, spill } = workerData;
let seen = 0;
for (;;) {
  let job = Atomics.load(control, ${JOB});
  for (let spin = 0; job === seen && spin < ${SPIN_POLLS}; spin++) job = Atomics.load(control, ${JOB});
  while (job === seen) {
    Atomics.wait(control, ${JOB}, seen);
    job = Atomics.load(control, ${JOB});
  }
  if (job < 0) break;
  seen = job;
  if (control[${KIND}] === ${KIND_HISTOGRAM}) {
    hist.fill(0);
    accumulate(bins, rowIndex, control[${BEGIN}], control[${END}], gradPairs, hist);
  } else {
    control[${RESULT}] = partition(rowIndex, control[${BEGIN}], control[${END}], bins.columnBins, control[${OFFSET}], goesRight, spill);
  }
  Atomics.store(control, ${DONE}, job);
  Atomics.notify(control, ${DONE});
}
`;

/**
 * Runs the node kernels on two threads: for a node of at least SPLIT_MIN_ROWS rows, the calling
 * thread takes the first half of its rows and one worker thread the second half. A histogram is
 * the sum of the two halves' histograms, added in the order every NodeKernels uses, so the model
 * is the same as with one thread. A partition is merged into the stable order a single pass gives.
 */
class ParallelKernels implements NodeKernels {
  private job = 0;
  private readonly spill: Int32Array;

  constructor(
    private readonly bins: BinnedMatrix,
    private readonly goesRight: Uint8Array,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly workerHist: Float64Array,
    private readonly workerSpill: Int32Array,
  ) {
    this.spill = new Int32Array(bins.rows);
  }

  build(rowIndex: Int32Array, begin: number, end: number, gradPairs: Float64Array, hist: Float64Array): void {
    if (end - begin < SPLIT_MIN_ROWS) {
      accumulateHistogram(this.bins, rowIndex, begin, end, gradPairs, hist);
      return;
    }
    const middle = (begin + end) >>> 1;
    const job = this.post(KIND_HISTOGRAM, middle, end, 0);
    accumulateHistogram(this.bins, rowIndex, begin, middle, gradPairs, hist);
    this.wait(job);
    addHistogram(hist, this.workerHist);
  }

  partition(rowIndex: Int32Array, begin: number, end: number, feature: number): number {
    const offset = feature * this.bins.rows;
    if (end - begin < SPLIT_MIN_ROWS) {
      const left = partitionRange(rowIndex, begin, end, this.bins.columnBins, offset, this.goesRight, this.spill);
      rowIndex.set(this.spill.subarray(0, end - begin - left), begin + left);
      return begin + left;
    }
    const middle = (begin + end) >>> 1;
    const job = this.post(KIND_PARTITION, middle, end, offset);
    const leftFirst = partitionRange(rowIndex, begin, middle, this.bins.columnBins, offset, this.goesRight, this.spill);
    this.wait(job);
    const leftSecond = this.control[RESULT];
    // [left of first half | left of second half | right of first half | right of second half].
    const boundary = begin + leftFirst + leftSecond;
    const rightFirst = middle - begin - leftFirst;
    rowIndex.copyWithin(begin + leftFirst, middle, middle + leftSecond);
    rowIndex.set(this.spill.subarray(0, rightFirst), boundary);
    rowIndex.set(this.workerSpill.subarray(0, end - middle - leftSecond), boundary + rightFirst);
    return boundary;
  }

  private post(kind: number, begin: number, end: number, offset: number): number {
    const job = ++this.job;
    this.control[KIND] = kind;
    this.control[BEGIN] = begin;
    this.control[END] = end;
    this.control[OFFSET] = offset;
    Atomics.store(this.control, JOB, job);
    Atomics.notify(this.control, JOB);
    return job;
  }

  private wait(job: number): void {
    let done = Atomics.load(this.control, DONE);
    for (let spin = 0; done !== job && spin < SPIN_POLLS; spin++) done = Atomics.load(this.control, DONE);
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    while (done !== job) {
      if (Date.now() > deadline) throw new Error(`GBDT worker thread did not finish its job within ${WORKER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.control, DONE, done, 1000);
      done = Atomics.load(this.control, DONE);
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.control, JOB, -1);
    Atomics.notify(this.control, JOB);
    await this.worker.terminate();
  }
}

/**
 * Starts the worker thread of the two-thread kernels. The bins (see buildBinnedMatrix's `shared`),
 * `gradPairs`, `rowIndex` and `goesRight` must be SharedArrayBuffer-backed, so the worker reads
 * them without copies.
 */
export async function createParallelKernels(bins: BinnedMatrix, gradPairs: Float64Array, rowIndex: Int32Array, goesRight: Uint8Array): Promise<NodeKernels> {
  const arrays = { rowPtr: bins.rowPtr, entryBins: bins.entryBins, columnBins: bins.columnBins, gradPairs, rowIndex, goesRight };
  for (const [name, array] of Object.entries(arrays)) {
    if (!(array.buffer instanceof SharedArrayBuffer)) throw new TypeError(`${name} must be backed by a SharedArrayBuffer for the two-thread GBDT kernels`);
  }
  const control = sharedInt32(CONTROL_SLOTS);
  const workerHist = sharedFloat64(2 * bins.totalBins);
  const workerSpill = sharedInt32((bins.rows >>> 1) + 1);
  const sharedBins = { rowPtr: bins.rowPtr, entryBins: bins.entryBins, columnBins: bins.columnBins };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, hist: workerHist, bins: sharedBins, rowIndex, gradPairs, goesRight, spill: workerSpill },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('online', () => resolve());
    worker.once('error', reject);
  });
  // An idle worker must not keep the process alive if a caller forgets close().
  worker.unref();
  return new ParallelKernels(bins, goesRight, worker, control, workerHist, workerSpill);
}
