import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { startServer } from '../src/serving/server.js';

/**
 * The API process of the serving benchmark: starts the server on the WORKDIR given in the
 * environment, sends `{url}` to the parent, and stops when the parent sends `stop`.
 */
const { config } = loadConfig();
const server = await startServer({ config, log: pino({ level: 'warn' }), host: '127.0.0.1', port: 0 });
process.send?.({ url: server.url });
process.on('message', (message) => {
  if (message === 'stop') {
    void server.close().then(() => process.exit(0));
  } else if (message === 'cpu') {
    process.send?.({ cpu: process.cpuUsage() });
  }
});
