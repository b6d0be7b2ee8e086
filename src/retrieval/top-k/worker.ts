import { parentPort } from 'node:worker_threads';
import { runTopKRange, type TopKJob } from './exact.js';

/** Worker thread entry: runs one range of a top-K job (arrays in shared memory) and replies. */
parentPort?.on('message', (message: { job: TopKJob; start: number; end: number }) => {
  try {
    runTopKRange(message.job, message.start, message.end);
    parentPort?.postMessage({ ok: true });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
