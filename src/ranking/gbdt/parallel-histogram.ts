import { Worker } from 'node:worker_threads';
import type { BinnedMatrix } from './binned-matrix.js';
import { accumulateHistogram, addHistogram, SPLIT_MIN_ROWS } from './histogram.js';
import { partitionOnCallingThread, type HistogramJob, type NodeKernels } from './kernels.js';
import { fillGoesRight, maxFeatureBins, partitionRange, type PartitionJob } from './partition.js';

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
 * The worker's body. Whenever the JOB counter changes it runs one job on a range of rows, which is
 * the second half of a large node or a whole small node. A job is `accumulateHistogram` into the
 * worker's own buffer, or `partitionRange` with its own table and spill buffer and the left count
 * in RESULT. Then it publishes DONE. Both kernels' sources are passed
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
 * Minimum rows of a node under SPLIT_MIN_ROWS that goes to the worker whole while the calling
 * thread works on the node before it. Smaller nodes stay on the calling thread.
 */
const PAIR_MIN_ROWS = 1024;

const isPairable = (job: { begin: number; end: number } | undefined): boolean => job !== undefined && job.end - job.begin >= PAIR_MIN_ROWS && job.end - job.begin < SPLIT_MIN_ROWS;

/**
 * Runs the node kernels on two threads. A node of at least SPLIT_MIN_ROWS rows is shared: the
 * calling thread takes the first half of its rows and the worker thread the second half. Its
 * histogram is the sum of the two halves' histograms, added in the order every NodeKernels uses,
 * and its partition is merged into the order of a single stable pass. Smaller nodes of a level go
 * to the two threads whole, in turns, so each histogram is summed in one pass in row order as with
 * one thread. The model is therefore the same as with one thread.
 */
class ParallelKernels implements NodeKernels {
  private job = 0;
  private readonly spill: Int32Array;
  private readonly goesRight: Uint8Array;

  constructor(
    private readonly bins: BinnedMatrix,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly workerHist: Float64Array,
    private readonly workerSpill: Int32Array,
    private readonly workerGoesRight: Uint8Array,
  ) {
    this.spill = new Int32Array(bins.rows);
    this.goesRight = new Uint8Array(workerGoesRight.length);
  }

  build(rowIndex: Int32Array, gradPairs: Float64Array, jobs: readonly HistogramJob[], onBuilt?: (k: number) => void): void {
    for (let i = 0; i < jobs.length; i++) {
      const { begin, end, hist } = jobs[i];
      if (end - begin >= SPLIT_MIN_ROWS) {
        const middle = (begin + end) >>> 1;
        const job = this.post(KIND_HISTOGRAM, middle, end, 0);
        accumulateHistogram(this.bins, rowIndex, begin, middle, gradPairs, hist);
        this.wait(job);
        addHistogram(hist, this.workerHist);
      } else if (isPairable(jobs[i + 1])) {
        const other = jobs[i + 1];
        const job = this.post(KIND_HISTOGRAM, other.begin, other.end, 0);
        accumulateHistogram(this.bins, rowIndex, begin, end, gradPairs, hist);
        this.wait(job);
        other.hist.set(this.workerHist);
        onBuilt?.(i);
        i++;
      } else {
        accumulateHistogram(this.bins, rowIndex, begin, end, gradPairs, hist);
      }
      onBuilt?.(i);
    }
  }

  partition(rowIndex: Int32Array, jobs: readonly PartitionJob[]): number[] {
    const boundaries: number[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const current = jobs[i];
      if (current.end - current.begin >= SPLIT_MIN_ROWS) {
        boundaries.push(this.partitionHalves(rowIndex, current));
      } else if (isPairable(jobs[i + 1])) {
        const other = jobs[++i];
        fillGoesRight(this.workerGoesRight, this.bins, other.feature, other.leftMaxBin, other.defaultLeft);
        const job = this.post(KIND_PARTITION, other.begin, other.end, other.feature * this.bins.rows);
        boundaries.push(partitionOnCallingThread(this.bins, rowIndex, current, this.goesRight, this.spill));
        this.wait(job);
        const left = this.control[RESULT];
        rowIndex.set(this.workerSpill.subarray(0, other.end - other.begin - left), other.begin + left);
        boundaries.push(other.begin + left);
      } else {
        boundaries.push(partitionOnCallingThread(this.bins, rowIndex, current, this.goesRight, this.spill));
      }
    }
    return boundaries;
  }

  private partitionHalves(rowIndex: Int32Array, { begin, end, feature, leftMaxBin, defaultLeft }: PartitionJob): number {
    const offset = feature * this.bins.rows;
    fillGoesRight(this.goesRight, this.bins, feature, leftMaxBin, defaultLeft);
    this.workerGoesRight.set(this.goesRight);
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
 * `gradPairs` and `rowIndex` must be SharedArrayBuffer-backed, so the worker reads them without copies.
 */
export async function createParallelKernels(bins: BinnedMatrix, gradPairs: Float64Array, rowIndex: Int32Array): Promise<NodeKernels> {
  const arrays = { rowPtr: bins.rowPtr, entryBins: bins.entryBins, columnBins: bins.columnBins, gradPairs, rowIndex };
  for (const [name, array] of Object.entries(arrays)) {
    if (!(array.buffer instanceof SharedArrayBuffer)) throw new TypeError(`${name} must be backed by a SharedArrayBuffer for the two-thread GBDT kernels`);
  }
  const control = sharedInt32(CONTROL_SLOTS);
  const workerHist = sharedFloat64(2 * bins.totalBins);
  // The worker partitions half of a large node or a whole node under SPLIT_MIN_ROWS rows.
  const workerSpill = sharedInt32(Math.max(SPLIT_MIN_ROWS, (bins.rows >>> 1) + 1));
  const workerGoesRight = new Uint8Array(new SharedArrayBuffer(maxFeatureBins(bins)));
  const sharedBins = { rowPtr: bins.rowPtr, entryBins: bins.entryBins, columnBins: bins.columnBins };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, hist: workerHist, bins: sharedBins, rowIndex, gradPairs, goesRight: workerGoesRight, spill: workerSpill },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('online', () => resolve());
    worker.once('error', reject);
  });
  // An idle worker must not keep the process alive if a caller forgets close().
  worker.unref();
  return new ParallelKernels(bins, worker, control, workerHist, workerSpill, workerGoesRight);
}
