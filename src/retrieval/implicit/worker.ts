import { parentPort } from 'node:worker_threads';
import { runTask, type ParallelTask } from './tasks.js';

/** Worker thread entry: runs each posted task and replies with its result or its error message. */
parentPort?.on('message', (task: ParallelTask) => {
  try {
    parentPort?.postMessage({ ok: true, result: runTask(task) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
