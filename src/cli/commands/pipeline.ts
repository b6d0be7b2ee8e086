import type { Command } from 'commander';
import { runPipeline } from '../../pipeline/run.js';
import { formatPipelineSummary } from '../../pipeline/summary.js';
import { startServing } from '../../serving/cluster.js';
import { addIngestOptions, ingestConfigFlags, toIngestOptions, type IngestFlags } from '../ingest-options.js';
import { action } from '../run.js';
import { listeningObject, stopOnSignal } from './serve.js';

interface PipelineFlags extends IngestFlags {
  json?: boolean;
}

/**
 * `twostage pipeline [PATH...] [--format F] [--on-bad-line P] [--user-col …] [--json]` (the ingest
 * options of `twostage ingest`, passed to its ingest step) and `twostage start` (the pipeline on the
 * shipped sample, then the API).
 */
export function registerPipelineCommand(parent: Command): void {
  const pipeline = parent
    .command('pipeline')
    .description('Run the main job: ingest, features, ranker, retrieval, candidates, register and promote (no PATH: the shipped sample)')
    .argument('[paths...]', 'input files or a dataset folder (reviews, ratings or events, and item metadata)');
  addIngestOptions(pipeline)
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<PipelineFlags>(
        async (ctx, options, args) => {
          const summary = await runPipeline(ctx.config, { paths: args, ingest: toIngestOptions(options), quiet: ctx.json, log: ctx.log });
          return { json: { ok: true, ...summary }, text: formatPipelineSummary(summary) };
        },
        ingestConfigFlags,
      ),
    );

  parent
    .command('start')
    .description('Train everything on the shipped sample, then serve the API and print an example request')
    .option('--json', 'print one JSON object (the pipeline summary, url, docs, workers, example request) on stdout once the API listens')
    .action(
      action<{ json?: boolean }>(async (ctx) => {
        const summary = await runPipeline(ctx.config, { paths: [], quiet: ctx.json, log: ctx.log });
        if (!ctx.json) process.stdout.write(`${formatPipelineSummary(summary)}\n\n`);
        const server = await startServing({ config: ctx.config, log: ctx.log });
        const exampleUser = summary.exampleUserId ?? 'some-user';
        const example = `curl -s -X POST ${server.url}/recommendations -H 'content-type: application/json' -d '{"user_id": "${exampleUser}", "top_k": 5}'`;
        if (ctx.json) {
          process.stdout.write(`${JSON.stringify({ ...listeningObject(server.url, server.workers), pipeline: summary, example_request: example })}\n`);
        } else {
          process.stdout.write([`twostage API listening on ${server.url} (OpenAPI UI: ${server.url}/docs, press Ctrl+C to stop)`, 'try:', `  ${example}`, ''].join('\n'));
        }
        await stopOnSignal(server.close);
        return undefined;
      }),
    );
}
