import { parentPort } from 'node:worker_threads';
import { runTask, type TaskContext, type WorkerMessage } from './tasks.js';

const contexts = new Map<number, TaskContext>();

/**
 * Worker thread entry: stores and drops task contexts (see parallel.ts), runs each posted task
 * and replies with its result or its error message. Only tasks get a reply.
 */
parentPort?.on('message', (message: WorkerMessage) => {
  if (message.kind === 'context') {
    contexts.set(message.context.id, message.context);
    return;
  }
  if (message.kind === 'release') {
    contexts.delete(message.id);
    return;
  }
  try {
    const context = message.contextId === undefined ? undefined : contexts.get(message.contextId);
    if (message.contextId !== undefined && context === undefined) throw new Error(`task context ${message.contextId} was never sent to this worker`);
    parentPort?.postMessage({ ok: true, result: runTask(context === undefined ? message.task : { ...message.task, context } as typeof message.task) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
