import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TwostageError } from '../../errors.js';
import { getLogger } from '../../log.js';
import { runTask, type ParallelTask, type TaskContext, type TaskResult, type WorkerMessage } from './tasks.js';

/**
 * A small pool of worker threads for the training kernels. The calling thread runs the first task
 * of each batch itself and the workers run the rest, so `threads` = 2 means one worker. Workers
 * are started once per process and kept (unreferenced while idle, so they never keep the
 * process alive).
 *
 * A task may carry a `context` (see TaskContext): the arrays a trainer shares for its whole run.
 * Each worker receives a context once and tasks then name it by id, because a message that
 * carries SharedArrayBuffers costs far more to post than one that carries numbers.
 */

interface PooledWorker {
  worker: Worker;
  pending: { resolve: (result: TaskResult) => void; reject: (error: Error) => void } | null;
  /** Ids of the contexts this worker holds. */
  contexts: Set<number>;
}

const pool: PooledWorker[] = [];
let warnedNoScript = false;

/** Number of threads to use when a trainer is given none: every core the process may use. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs every task and resolves with their results in task order. Tasks must write disjoint
 * memory. With `threads` = 1, or when the compiled worker script is missing (tests running the
 * TypeScript sources without a build), all tasks run on the calling thread, with the same result.
 */
export async function runTasks(tasks: readonly ParallelTask[], threads: number): Promise<TaskResult[]> {
  const results: TaskResult[] = new Array(tasks.length);
  const workerCount = Math.min(threads - 1, tasks.length - 1, availableWorkerSlots(threads - 1));
  if (workerCount <= 0) {
    for (let t = 0; t < tasks.length; t++) results[t] = runTask(tasks[t]);
    return results;
  }

  // Tasks are dealt out round-robin: thread 0 (this one) takes tasks 0, T, 2T, …
  const lanes = workerCount + 1;
  const workerRuns: Promise<void>[] = [];
  for (let w = 0; w < workerCount; w++) {
    workerRuns.push(
      (async () => {
        for (let t = w + 1; t < tasks.length; t += lanes) results[t] = await postTask(pool[w], tasks[t]);
      })(),
    );
  }
  // Run this thread's share after posting, so the workers start at once.
  let localError: unknown = null;
  try {
    for (let t = 0; t < tasks.length; t += lanes) results[t] = runTask(tasks[t]);
  } catch (error) {
    localError = error;
  }
  await Promise.all(workerRuns);
  if (localError !== null) throw localError;
  return results;
}

/**
 * Starts the workers a later runTasks with `threads` threads will use, so their start-up (tens
 * of milliseconds each) overlaps the caller's own set-up work.
 */
export function startWorkers(threads: number): void {
  availableWorkerSlots(threads - 1);
}

function availableWorkerSlots(wanted: number): number {
  if (wanted <= 0) return 0;
  const script = workerScript();
  if (script === null) {
    if (!warnedNoScript) {
      warnedNoScript = true;
      getLogger().debug({ wanted }, 'compiled worker script not found; training on one thread');
    }
    return 0;
  }
  while (pool.length < wanted) pool.push(startWorker(script));
  return wanted;
}

function startWorker(script: string): PooledWorker {
  const entry: PooledWorker = { worker: new Worker(script), pending: null, contexts: new Set() };
  entry.worker.unref();
  entry.worker.on('message', (reply: { ok: true; result: TaskResult } | { ok: false; message: string }) => {
    const pending = entry.pending;
    entry.pending = null;
    entry.worker.unref();
    if (pending === null) return;
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new TwostageError('REC_ERR_TRAINING_FAILED', `training worker failed: ${reply.message}`));
  });
  entry.worker.on('error', (error) => {
    const pending = entry.pending;
    entry.pending = null;
    const index = pool.indexOf(entry);
    if (index >= 0) pool.splice(index, 1);
    pending?.reject(new TwostageError('REC_ERR_TRAINING_FAILED', `training worker stopped: ${error.message}`, { cause: error }));
  });
  return entry;
}

function postTask(entry: PooledWorker, task: ParallelTask): Promise<TaskResult> {
  return new Promise((resolve, reject) => {
    entry.pending = { resolve, reject };
    // Referenced while busy, so the process waits for the reply.
    entry.worker.ref();
    const context: TaskContext | undefined = task.context;
    if (context === undefined) {
      entry.worker.postMessage({ kind: 'task', task } satisfies WorkerMessage);
      return;
    }
    if (!entry.contexts.has(context.id)) {
      entry.worker.postMessage({ kind: 'context', context } satisfies WorkerMessage);
      entry.contexts.add(context.id);
    }
    entry.worker.postMessage({ kind: 'task', task: { ...task, context: undefined }, contextId: context.id } satisfies WorkerMessage);
  });
}

/** Tells the workers to drop a context; the trainer that made it calls this when its run ends. */
export function releaseContext(context: TaskContext): void {
  for (const entry of pool) {
    if (entry.contexts.delete(context.id)) entry.worker.postMessage({ kind: 'release', id: context.id } satisfies WorkerMessage);
  }
}

/**
 * Path of the compiled worker. Beside this module when it runs compiled; from the TypeScript
 * sources (vitest), the copy under dist/ if a build exists.
 * NOTE: from the sources, workers run the last build, so run `npm run build` (as `npm test` does)
 * after changing a kernel, or the threaded path runs the old kernel.
 */
function workerScript(): string | null {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'worker.js');
  const root = path.resolve(path.dirname(here), '../../..');
  const compiled = path.join(root, 'dist', path.relative(root, path.dirname(here)), 'worker.js');
  return existsSync(compiled) ? compiled : null;
}

/** Stops the pooled workers (tests and short-lived tools may call it; later batches restart them). */
export async function closeWorkers(): Promise<void> {
  const workers = pool.splice(0, pool.length);
  await Promise.all(workers.map((entry) => entry.worker.terminate()));
}
