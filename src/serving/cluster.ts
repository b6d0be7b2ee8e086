import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import { startServer } from './server.js';

/** The API as started by `startServing`: one server in this process, or SERVE_WORKERS worker processes. */
export interface ServingHandle {
  /** Base URL, such as http://127.0.0.1:8000. */
  readonly url: string;
  /** Number of processes that serve requests. */
  readonly workers: number;
  /** CPU time (user + system) of the processes that serve requests, since they started, ms. */
  cpuTimeMs(): Promise<number>;
  /** Stops accepting requests, lets those in flight finish in every process, then closes the stores. */
  close(): Promise<void>;
}

/** Messages from the primary to a worker. */
export type ToWorker = { readonly type: 'start'; readonly config: Config } | { readonly type: 'stop' } | { readonly type: 'cpu' };

/** Messages from a worker to the primary. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'cpu'; readonly ms: number };

/**
 * Starts the API with `config.SERVE_WORKERS` processes. With 1 the server runs in this process.
 * With more, this process forks that many workers with node:cluster. Each worker opens its own
 * stores, loads and polls the models, and listens on the same address: the primary hands each new
 * connection to a worker (round robin on Linux, so a keep-alive connection stays on one worker).
 * A worker that exits while serving is logged and replaced. `close` stops every worker gracefully.
 */
export async function startServing(options: { config: Config; log: Logger }): Promise<ServingHandle> {
  const { config, log } = options;
  if (config.SERVE_WORKERS <= 1) {
    const server = await startServer({ config, log });
    return {
      url: server.url,
      workers: 1,
      cpuTimeMs: async () => cpuTimeMs(process.cpuUsage()),
      close: () => server.close(),
    };
  }
  return startWorkers(config, log);
}

function cpuTimeMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function startWorkers(config: Config, log: Logger): Promise<ServingHandle> {
  if (!cluster.isPrimary) throw new Error('startServing with SERVE_WORKERS > 1 must run in the primary process');
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.js', import.meta.url)), args: [] });

  const workers = new Set<Worker>();
  let closing = false;

  /** Forks one worker and resolves with its URL once it listens; rejects when it fails to start. */
  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      let listening = false;
      workers.add(worker);
      worker.on('message', (message: FromWorker) => {
        // The worker requests its configuration once its message listener exists, because a
        // message sent earlier (on 'online') can arrive before the worker's module has run and be lost.
        if (message.type === 'ready') {
          worker.send({ type: 'start', config } satisfies ToWorker);
        } else if (message.type === 'listening') {
          listening = true;
          resolve(message.url);
        } else if (message.type === 'failed') {
          reject(new Error(`API worker ${worker.id} failed to start: ${message.message}`));
        }
      });
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        if (!listening) {
          reject(new Error(`API worker ${worker.id} exited before listening (code ${code}, signal ${signal})`));
          return;
        }
        if (closing) return;
        log.error({ worker: worker.id, code, signal }, 'API worker exited; starting a replacement');
        fork().catch((error: unknown) => log.error({ err: error }, 'failed to start a replacement API worker'));
      });
    });

  const stopAll = async (): Promise<void> => {
    closing = true;
    const exits = [...workers].map((worker) => new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      worker.once('exit', () => resolve());
      worker.send({ type: 'stop' } satisfies ToWorker);
    }));
    await Promise.all(exits);
  };

  let urls: string[];
  try {
    urls = await Promise.all(Array.from({ length: config.SERVE_WORKERS }, () => fork()));
  } catch (error) {
    await stopAll();
    throw error;
  }
  log.info({ url: urls[0], workers: config.SERVE_WORKERS }, 'API workers listening');

  let stopped: Promise<void> | null = null;
  return {
    url: urls[0],
    workers: config.SERVE_WORKERS,
    async cpuTimeMs() {
      const replies = [...workers].map((worker) => new Promise<number>((resolve) => {
        const onMessage = (message: FromWorker) => {
          if (message.type !== 'cpu') return;
          worker.off('message', onMessage);
          resolve(message.ms);
        };
        worker.on('message', onMessage);
        worker.send({ type: 'cpu' } satisfies ToWorker);
      }));
      return (await Promise.all(replies)).reduce((sum, ms) => sum + ms, 0);
    },
    close() {
      stopped ??= stopAll().then(() => log.info({}, 'API workers stopped'));
      return stopped;
    },
  };
}
