import type { Command } from 'commander';
import type { Config } from '../../config/load.js';
import { getLogger } from '../../log.js';
import { recommendOffline } from '../../serving/offline.js';
import { startServing } from '../../serving/cluster.js';
import { action, parseIntegerFlag, type CommandResult } from '../run.js';
import { setFullStageRecommender } from './recommend.js';

interface ServeOptions {
  host?: string;
  port?: string;
  json?: boolean;
}

/**
 * `twostage serve [--host H] [--port N] [--json]`: the HTTP API until SIGINT or SIGTERM. With
 * `--json`, one object goes to stdout once the API listens: `{"ok": true, "url", "docs", "workers"}`.
 */
export function registerServeCommand(parent: Command): void {
  setFullStageRecommender(recommendFullStage);
  parent
    .command('serve')
    .description('Start the HTTP API on the production models (POST /recommendations, /health, /docs, /metrics)')
    .option('--host <host>', 'interface to listen on (default: HOST, 127.0.0.1)')
    // Parsed by the action rather than by commander, so an invalid value is reported as one error line.
    .option('--port <port>', 'TCP port; 0 picks a free port (default: PORT, 8000)')
    .option('--json', 'print one JSON object (url, docs, workers) on stdout once the API listens')
    .action(
      action<ServeOptions>(
        async (ctx) => {
          const server = await startServing({ config: ctx.config, log: ctx.log });
          const processes = server.workers > 1 ? `, ${server.workers} worker processes` : '';
          process.stderr.write(`twostage API listening on ${server.url} (docs: ${server.url}/docs${processes})\n`);
          if (ctx.json) process.stdout.write(`${JSON.stringify(listeningObject(server.url, server.workers))}\n`);
          await stopOnSignal(server.close);
          return undefined;
        },
        (options) => ({ HOST: options.host, PORT: options.port === undefined ? undefined : parseIntegerFlag('--port', 0, 65_535)(options.port) }),
      ),
    );
}

/** Builds the `--json` object that `serve` and `start` print once the API listens. */
export function listeningObject(url: string, workers: number): { ok: true; url: string; docs: string; workers: number } {
  return { ok: true, url, docs: `${url}/docs`, workers };
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

/** Computes `twostage recommend --stage full` in this process by the API's two-stage path. */
async function recommendFullStage(config: Config, userId: string, topK: number): Promise<CommandResult> {
  const body = await recommendOffline(config, getLogger(), userId, topK);
  const json = {
    user_id: body.user_id,
    recommendations: body.recommendations.map((r) => ({ parent_asin: r.parent_asin, score: r.predicted_rating })),
    stage: 'full',
    served_path: body.served_path,
    fallback: body.fallback,
    fallback_reason: body.fallback_reason,
    model_versions: body.model_versions,
  };
  const flag = body.fallback ? ` (fallback: ${body.fallback_reason})` : '';
  const header = `user ${body.user_id}: ${body.num_recommendations} recommendations, ${body.served_path}${flag}; retrieval ${body.model_versions.retrieval}, ranker ${body.model_versions.ranker ?? 'none'}`;
  const lines = body.recommendations.map((r, rank) => `${String(rank + 1).padStart(3)}. ${r.parent_asin}  ${r.predicted_rating.toFixed(4)}`);
  return { json, text: [header, ...lines].join('\n') };
}
