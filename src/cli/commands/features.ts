import type { Command } from 'commander';
import { loadDataset } from '../../data/dataset.js';
import { exportTrainingTable, type ExportSummary } from '../../features/export.js';
import { loadPriceHistory } from '../../features/price-history.js';
import { runFeaturePipeline, type FeaturePipelineSummary } from '../../features/pipeline.js';
import { openOfflineStore, openOnlineStore } from '../../store/open.js';
import { action } from '../run.js';

interface FeaturesOptions {
  priceHistory?: string;
  json?: boolean;
}

interface ExportCommandOptions {
  rows: string;
  output: string;
  timeCol?: string;
  json?: boolean;
}

/**
 * `twostage features [--price-history CSV] [--json]` and
 * `twostage features export --rows CSV --output FILE [--time-col NAME] [--json]`.
 */
export function registerFeaturesCommand(parent: Command): void {
  const features = parent
    .command('features')
    .description('Compute feature histories, materialize the online store, export training tables')
    .enablePositionalOptions()
    .option('--price-history <csv>', 'price history with item_id, event_ts, created_ts (optional) and item_price columns, times in ms')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<FeaturesOptions>(async (ctx, options) => {
        const offline = await openOfflineStore(ctx.config);
        try {
          const data = await loadDataset(offline);
          const priceHistory = options.priceHistory ? await loadPriceHistory(options.priceHistory) : undefined;
          const online = await openOnlineStore(ctx.config);
          try {
            const summary = await runFeaturePipeline({ offline, online, data, priceHistory, quiet: ctx.json });
            return { json: { ok: true, ...summary }, text: formatPipelineSummary(summary) };
          } finally {
            await online.close();
          }
        } finally {
          await offline.close();
        }
      }),
    );

  features
    .command('export')
    .description('Write user and item features as of each row of a CSV to a CSV or Parquet training table')
    .requiredOption('--rows <csv>', 'input CSV with user_id, item_id and a timestamp column in ms; other columns pass through')
    .requiredOption('--output <file>', 'output file; the extension picks the format: .csv or .parquet')
    .option('--time-col <name>', 'timestamp column of the input (default: the first of timestamp, event_ts, event_time, ts)')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<ExportCommandOptions>(async (ctx, options) => {
        const offline = await openOfflineStore(ctx.config);
        try {
          const summary = await exportTrainingTable(offline, { rowsFile: options.rows, output: options.output, timestampColumn: options.timeCol, quiet: ctx.json });
          return { json: { ok: true, ...summary }, text: formatExportSummary(summary) };
        } finally {
          await offline.close();
        }
      }),
    );
}

function formatPipelineSummary(summary: FeaturePipelineSummary): string {
  const header = ['group', 'version', 'entity', 'source', 'records', 'added', 'corrections', 'online'];
  const rows = summary.groups.map((g) => [
    g.group + (g.snapshot ? ' (snapshot)' : ''),
    String(g.version),
    g.entity,
    g.source,
    String(g.storedRecords),
    String(g.addedRecords),
    String(g.correctionRecords),
    String(g.onlineEntities),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [
    `feature pipeline (feedback: ${summary.feedback}) in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    line(header),
    ...rows.map(line),
    `snapshot features excluded from training (crawl-time values that leak later information): ${summary.snapshotFeatures.join(', ')}`,
  ].join('\n');
}

function formatExportSummary(summary: ExportSummary): string {
  const matched = Object.entries(summary.matchedRows)
    .map(([group, n]) => `${group} ${n}`)
    .join(', ');
  return [
    `wrote ${summary.rows} rows to ${summary.output} (${summary.format})`,
    `columns: ${summary.passThroughColumns.length} from the input, ${summary.featureColumns.length} features`,
    `rows with a record per group: ${matched}`,
    `snapshot features excluded: ${summary.excludedSnapshotFeatures.join(', ')}`,
  ].join('\n');
}
