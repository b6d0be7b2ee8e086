import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { getLogger } from '../../log.js';
import { runTopKRange, type TopKJob } from './exact.js';

/**
 * Worker threads for the top-K search, started on first use and kept (unreferenced while idle,
 * so they never keep the process alive). The calling thread runs the first range itself.
 */

interface PooledWorker {
  readonly worker: Worker;
  pending: { resolve: () => void; reject: (error: Error) => void } | null;
}

const pool: PooledWorker[] = [];

/** Runs `ranges[0]` here and every other range on a worker; falls back to this thread when no compiled worker exists. */
export async function runOnWorkers(job: TopKJob, ranges: readonly (readonly [number, number])[]): Promise<void> {
  const script = workerScript();
  if (script === null) {
    getLogger().debug({ ranges: ranges.length }, 'compiled top-K worker not found; scoring on one thread');
    for (const [start, end] of ranges) runTopKRange(job, start, end);
    return;
  }
  while (pool.length < ranges.length - 1) pool.push(startWorker(script));
  const remote = ranges.slice(1).map(([start, end], w) => post(pool[w], job, start, end));
  let localError: unknown = null;
  try {
    runTopKRange(job, ranges[0][0], ranges[0][1]);
  } catch (error) {
    localError = error;
  }
  const outcomes = await Promise.allSettled(remote);
  if (localError !== null) throw localError;
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

function startWorker(script: string): PooledWorker {
  const entry: PooledWorker = { worker: new Worker(script), pending: null };
  entry.worker.unref();
  entry.worker.on('message', (reply: { ok: true } | { ok: false; message: string }) => {
    const pending = entry.pending;
    entry.pending = null;
    entry.worker.unref();
    if (!pending) return;
    if (reply.ok) pending.resolve();
    else pending.reject(new Error(`top-K worker failed: ${reply.message}`));
  });
  entry.worker.on('error', (error) => {
    const pending = entry.pending;
    entry.pending = null;
    const index = pool.indexOf(entry);
    if (index >= 0) pool.splice(index, 1);
    pending?.reject(new Error(`top-K worker stopped: ${error.message}`, { cause: error }));
  });
  return entry;
}

function post(entry: PooledWorker, job: TopKJob, start: number, end: number): Promise<void> {
  return new Promise((resolve, reject) => {
    entry.pending = { resolve, reject };
    entry.worker.ref();
    entry.worker.postMessage({ job, start, end });
  });
}

/** Path of the compiled worker: beside this module when compiled, else under dist/ when a build exists. */
function workerScript(): string | null {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'worker.js');
  const root = path.resolve(path.dirname(here), '../../..');
  const compiled = path.join(root, 'dist', path.relative(root, path.dirname(here)), 'worker.js');
  return existsSync(compiled) ? compiled : null;
}

/** Stops the pooled workers; a later search starts new ones. */
export async function closeTopKWorkers(): Promise<void> {
  const workers = pool.splice(0, pool.length);
  await Promise.all(workers.map((entry) => entry.worker.terminate()));
}
