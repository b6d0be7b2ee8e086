import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { startServing } from '../src/serving/cluster.js';

/**
 * The API process of the serving benchmark: starts the server (SERVE_WORKERS processes) on the
 * WORKDIR given in the environment, sends `{url}` to the parent, answers `cpu` with the CPU time
 * of every serving process (`{cpuMs}`), and stops when the parent sends `stop`.
 */
const { config } = loadConfig();
const server = await startServing({ config: { ...config, HOST: '127.0.0.1', PORT: 0 }, log: pino({ level: 'warn' }) });
process.send?.({ url: server.url });
process.on('message', (message) => {
  if (message === 'stop') {
    void server.close().then(() => process.exit(0));
  } else if (message === 'cpu') {
    void server.cpuTimeMs().then((cpuMs) => process.send?.({ cpuMs }));
  }
});
