import { availableParallelism } from 'node:os';
import type { ExclusionLists } from './exclusions.js';
import { SelectionHeap, selectTopK } from './select.js';
import { runOnWorkers } from './pool.js';
import type { InnerProductScorer } from './types.js';
import { WasmBlockScorer, wasmScorerAvailable } from './wasm-scorer.js';

/**
 * Exact top-K for every user: each user's row is scored against every item, excluded items are
 * dropped, and the best k are kept in candidate order (score descending, tie rank ascending).
 *
 * Memory: the results take nUsers × k (item index + score); scoring works on blocks of
 * `blockSize` users, so a thread holds blockSize × nItems scores at a time, never
 * nUsers × nItems. Threads split the users into contiguous ranges; results do not depend on the
 * number of threads.
 */

export interface TopKOptions {
  /** Items kept per user. */
  readonly k: number;
  /** Tie rank per item (see `tieRanks`), shape [nItems]. */
  readonly tieRank: Int32Array;
  /** Items never returned per user; null for none. */
  readonly exclusions?: ExclusionLists | null;
  /** Threads to use, the calling one included (default: 1 for small searches, else every available core). */
  readonly threads?: number;
  /** Users scored together (default 64). */
  readonly blockSize?: number;
}

/** Per-user results, row-major [nUsers × k]; user u's first counts[u] entries are valid, best first. */
export interface TopKResult {
  readonly k: number;
  readonly counts: Int32Array;
  /** Item indices. */
  readonly items: Int32Array;
  /** Scores, including the user offset. */
  readonly scores: Float64Array;
}

/** Everything one thread needs for a range of users; the arrays may live in shared memory. */
export interface TopKJob {
  readonly userFactors: Float32Array | Float64Array;
  readonly itemFactors: Float32Array | Float64Array;
  readonly width: number;
  readonly nItems: number;
  readonly userOffset: Float64Array | null;
  readonly excludeOffsets: Int32Array | null;
  readonly excludeItems: Int32Array | null;
  readonly tieRank: Int32Array;
  readonly k: number;
  readonly blockSize: number;
  readonly counts: Int32Array;
  readonly items: Int32Array;
  readonly scores: Float64Array;
}

const DEFAULT_BLOCK = 64;

/** Computes the exact top-K of every user of `scorer`, on several threads. */
export async function exactTopK(scorer: InnerProductScorer, options: TopKOptions): Promise<TopKResult> {
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads(scorer), scorer.nUsers));
  const job = createJob(scorer, options, threads > 1);
  if (threads === 1) {
    runTopKRange(job, 0, scorer.nUsers);
  } else {
    const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * scorer.nUsers) / threads));
    const ranges = bounds.slice(0, threads).map((start, t) => [start, bounds[t + 1]] as const);
    await runOnWorkers(job, ranges);
  }
  return { k: job.k, counts: job.counts, items: job.items, scores: job.scores };
}

/**
 * Below this many multiply-adds (users × items × width) one thread is faster: starting a range on
 * a worker (shared copies of the inputs, a WebAssembly instance with its own copy of the items)
 * cost more than it saved on MovieLens 100k (943 × 1,650 × 101, about 1.6e8) in the top-K benchmark.
 */
const SINGLE_THREAD_WORK = 2 ** 28;

/** Returns 1 for small searches, otherwise every available core. */
function defaultThreads(scorer: InnerProductScorer): number {
  return scorer.nUsers * scorer.nItems * scorer.width < SINGLE_THREAD_WORK ? 1 : availableParallelism();
}

function createJob(scorer: InnerProductScorer, options: TopKOptions, shared: boolean): TopKJob {
  const { k, tieRank } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (tieRank.length !== scorer.nItems) throw new RangeError(`tieRank has length ${tieRank.length}, expected ${scorer.nItems}`);
  if (scorer.userFactors.length !== scorer.nUsers * scorer.width) throw new RangeError(`user factors have length ${scorer.userFactors.length}, expected ${scorer.nUsers} × ${scorer.width}`);
  if (scorer.itemFactors.length !== scorer.nItems * scorer.width) throw new RangeError(`item factors have length ${scorer.itemFactors.length}, expected ${scorer.nItems} × ${scorer.width}`);
  const exclusions = options.exclusions ?? null;
  if (exclusions && exclusions.offsets.length !== scorer.nUsers + 1) {
    throw new RangeError(`exclusion offsets have length ${exclusions.offsets.length}, expected ${scorer.nUsers + 1}`);
  }
  const keep = Math.min(k, scorer.nItems);
  const place = <T extends Float32Array | Float64Array | Int32Array>(array: T): T => (shared ? toShared(array) : array);
  return {
    userFactors: place(scorer.userFactors),
    itemFactors: place(scorer.itemFactors),
    width: scorer.width,
    nItems: scorer.nItems,
    userOffset: scorer.userOffset ? place(scorer.userOffset) : null,
    excludeOffsets: exclusions ? place(exclusions.offsets) : null,
    excludeItems: exclusions ? place(exclusions.items) : null,
    tieRank: place(tieRank),
    k: keep,
    blockSize: options.blockSize ?? DEFAULT_BLOCK,
    counts: place(new Int32Array(scorer.nUsers)),
    items: place(new Int32Array(scorer.nUsers * keep)),
    scores: place(new Float64Array(scorer.nUsers * keep)),
  };
}

function toShared<T extends Float32Array | Float64Array | Int32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const Constructor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Constructor(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

/** Runs users [start, end) of a job on the calling thread, writing their rows of the results. */
export function runTopKRange(job: TopKJob, start: number, end: number): void {
  const { width, nItems, k, blockSize } = job;
  const scorer = wasmScorerAvailable() ? new WasmBlockScorer(job.itemFactors, nItems, width, blockSize) : null;
  const fallback = scorer ? null : new Float64Array(blockSize * nItems);
  const heap = new SelectionHeap(k);

  for (let blockStart = start; blockStart < end; blockStart += blockSize) {
    const blockEnd = Math.min(end, blockStart + blockSize);
    const { scores, stride } = scorer ? scorer.scoreBlock(job.userFactors, blockStart, blockEnd) : scoreBlockJs(job, blockStart, blockEnd, fallback!);
    for (let u = blockStart; u < blockEnd; u++) {
      const rowOffset = (u - blockStart) * stride;
      if (job.excludeOffsets && job.excludeItems) {
        for (let p = job.excludeOffsets[u]; p < job.excludeOffsets[u + 1]; p++) scores[rowOffset + job.excludeItems[p]] = Number.NaN;
      }
      const count = selectTopK(scores, rowOffset, nItems, k, job.tieRank, heap, job.items, u * k);
      const offset = job.userOffset ? job.userOffset[u] : 0;
      for (let position = 0; position < count; position++) {
        job.scores[u * k + position] = scores[rowOffset + job.items[u * k + position]] + offset;
      }
      job.counts[u] = count;
    }
  }
}

/** Scores a block in JavaScript, for runtimes without WebAssembly SIMD. */
function scoreBlockJs(job: TopKJob, start: number, end: number, out: Float64Array): { scores: Float64Array; stride: number } {
  const { width, nItems, userFactors, itemFactors } = job;
  for (let u = start; u < end; u++) {
    const row = (u - start) * nItems;
    for (let i = 0; i < nItems; i++) {
      let dot = 0;
      for (let f = 0; f < width; f++) dot += userFactors[u * width + f] * itemFactors[i * width + f];
      out[row + i] = dot;
    }
  }
  return { scores: out, stride: nItems };
}
