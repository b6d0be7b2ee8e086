import { createLogger, setLogger } from '../log.js';
import type { FromWorker, ToWorker } from './cluster.js';
import { startServer, type RunningServer } from './server.js';

/**
 * Entry point of one API worker process forked by `startServing`. It waits for the configuration
 * from the primary, starts the server, and closes it gracefully on `stop`, SIGINT or SIGTERM. A
 * terminal's Ctrl-C reaches every process of the group, so each worker drains its own requests.
 */
let server: RunningServer | null = null;
let closing: Promise<void> | null = null;

const send = (message: FromWorker) => process.send?.(message);

function stop(): Promise<void> {
  closing ??= (server?.close() ?? Promise.resolve()).then(
    () => process.exit(0),
    () => process.exit(1),
  );
  return closing;
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    const log = createLogger(message.config.LOG_LEVEL).child({ pid: process.pid });
    setLogger(log);
    startServer({ config: message.config, log }).then(
      (started) => {
        server = started;
        send({ type: 'listening', url: started.url });
      },
      (error: unknown) => {
        log.error({ err: error }, 'failed to start the API worker');
        send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  } else if (message.type === 'stop') {
    void stop();
  } else if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    send({ type: 'cpu', ms: (usage.user + usage.system) / 1000 });
  }
});
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
send({ type: 'ready' });
