import type { Command } from 'commander';
import { startServer } from '../../serving/server.js';
import { action, parseIntegerFlag } from '../run.js';

interface ServeOptions {
  host?: string;
  port?: number;
  json?: boolean;
}

/** `twostage serve [--host H] [--port N]`: the HTTP API until SIGINT or SIGTERM. */
export function registerServeCommand(parent: Command): void {
  parent
    .command('serve')
    .description('Start the HTTP API on the production models (POST /recommendations, /health, /docs, /metrics)')
    .option('--host <host>', 'interface to listen on (default: HOST, 127.0.0.1)')
    .option('--port <port>', 'TCP port; 0 picks a free port (default: PORT, 8000)', parseIntegerFlag('--port', 0, 65_535))
    .action(
      action<ServeOptions>(
        async (ctx) => {
          const server = await startServer({ config: ctx.config, log: ctx.log });
          process.stderr.write(`twostage API listening on ${server.url} (docs: ${server.url}/docs)\n`);
          await stopOnSignal(server.close);
          return undefined;
        },
        (options) => ({ HOST: options.host, PORT: options.port }),
      ),
    );
}

/** Resolves after the first SIGINT or SIGTERM, once `close` has drained in-flight requests. */
export function stopOnSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`received ${signal}; finishing in-flight requests\n`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
