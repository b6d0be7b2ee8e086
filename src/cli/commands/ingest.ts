import type { Command } from 'commander';
import { ingestFiles, formatSummary } from '../../data/dataset.js';
import { openOfflineStore } from '../../store/open.js';
import { addIngestOptions, ingestConfigFlags, toIngestOptions, type IngestFlags } from '../ingest-options.js';
import { action } from '../run.js';

interface IngestCommandOptions extends IngestFlags {
  json?: boolean;
}

/** `twostage ingest PATH... [--format …] [--on-bad-line error|skip] [--user-col …] [--json]`. */
export function registerIngestCommand(parent: Command): void {
  const command = parent
    .command('ingest')
    .description('Load reviews, ratings or events and item metadata into the offline store')
    .argument('<path...>', 'input files or a dataset folder (an ml-100k folder; an Amazon reviews file and its meta file)');
  addIngestOptions(command)
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<IngestCommandOptions>(
        async (ctx, options, paths) => {
          const store = await openOfflineStore(ctx.config);
          try {
            const summary = await ingestFiles(store, paths, { ...toIngestOptions(options), onBadLine: ctx.config.ON_BAD_LINE, quiet: ctx.json });
            return { json: { ok: true, ...summary }, text: formatSummary(summary) };
          } finally {
            await store.close();
          }
        },
        ingestConfigFlags,
      ),
    );
}
