import type { Command } from 'commander';
import { FORMAT_NAMES, type FormatName } from '../../data/dataset.js';
import { TwostageError } from '../../errors.js';
import { runPipeline } from '../../pipeline/run.js';
import { formatPipelineSummary } from '../../pipeline/summary.js';
import { startServing } from '../../serving/cluster.js';
import { action } from '../run.js';
import { stopOnSignal } from './serve.js';

interface PipelineFlags {
  format?: string;
  json?: boolean;
}

/**
 * `twostage pipeline [PATH...] [--format F] [--json]` and `twostage start` (the pipeline on the
 * shipped sample, then the API).
 */
export function registerPipelineCommand(parent: Command): void {
  parent
    .command('pipeline')
    .description('Run the main job: ingest, features, ranker, retrieval, candidates, register and promote (no PATH: the shipped sample)')
    .argument('[paths...]', 'input files (reviews, ratings or events, and item metadata)')
    .option('--format <format>', `input format (${FORMAT_NAMES.join(', ')}); detected from each file when absent`)
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<PipelineFlags>(async (ctx, options, args) => {
        const summary = await runPipeline(ctx.config, { paths: args, format: parseFormat(options.format), quiet: ctx.json, log: ctx.log });
        return { json: { ok: true, ...summary }, text: formatPipelineSummary(summary) };
      }),
    );

  parent
    .command('start')
    .description('Train everything on the shipped sample, then serve the API and print an example request')
    .action(
      action(async (ctx) => {
        const summary = await runPipeline(ctx.config, { paths: [], quiet: false, log: ctx.log });
        process.stdout.write(`${formatPipelineSummary(summary)}\n\n`);
        const server = await startServing({ config: ctx.config, log: ctx.log });
        const exampleUser = summary.exampleUserId ?? 'some-user';
        process.stdout.write(
          [
            `twostage API listening on ${server.url} (OpenAPI UI: ${server.url}/docs, press Ctrl+C to stop)`,
            'try:',
            `  curl -s -X POST ${server.url}/recommendations -H 'content-type: application/json' -d '{"user_id": "${exampleUser}", "top_k": 5}'`,
            '',
          ].join('\n'),
        );
        await stopOnSignal(server.close);
        return undefined;
      }),
    );
}

function parseFormat(format: string | undefined): FormatName | undefined {
  if (format === undefined) return undefined;
  if ((FORMAT_NAMES as readonly string[]).includes(format)) return format as FormatName;
  throw new TwostageError('REC_ERR_REQUEST_INVALID', `unknown --format "${format}": expected one of ${FORMAT_NAMES.join(', ')}`);
}
