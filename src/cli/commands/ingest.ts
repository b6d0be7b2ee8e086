import type { Command } from 'commander';
import { ingestFiles, formatSummary, FORMAT_NAMES, type CsvMapping, type FormatName, type IngestOptions } from '../../data/dataset.js';
import { TwostageError } from '../../errors.js';
import { openOfflineStore } from '../../store/open.js';
import { action } from '../run.js';

interface IngestCommandOptions {
  format?: string;
  onBadLine?: string;
  userCol?: string;
  itemCol?: string;
  ratingCol?: string;
  timeCol?: string;
  timeUnit?: string;
  weightCol?: string;
  ratingScale?: string;
  delimiter?: string;
  json?: boolean;
}

/** `twostage ingest PATH... [--format …] [--on-bad-line error|skip] [--json]`. */
export function registerIngestCommand(parent: Command): void {
  parent
    .command('ingest')
    .description('Load reviews, ratings or events and item metadata into the offline store')
    .argument('<path...>', 'input files or a dataset folder (an ml-100k folder; an Amazon reviews file and its meta file)')
    .option('--format <format>', `input format, detected from the files when omitted (${FORMAT_NAMES.join('|')})`)
    .option('--on-bad-line <policy>', 'malformed line: error stops at the first one, skip counts and skips (default: ON_BAD_LINE)')
    .option('--user-col <name>', 'csv: header of the user id column')
    .option('--item-col <name>', 'csv: header of the item id column')
    .option('--rating-col <name>', 'csv: header of the rating column (omit for implicit feedback)')
    .option('--time-col <name>', 'csv: header of the event time column (Unix time or an ISO 8601 date)')
    .option('--time-unit <unit>', 'csv: unit of a numeric time column, s or ms (default: guessed from the first value)')
    .option('--weight-col <name>', 'csv: header of an implicit weight column such as a quantity (default: weight 1)')
    .option('--rating-scale <min:max>', 'csv: valid rating range, such as 1:5; ratings outside it are kept without a rating (default: the observed range)')
    .option('--delimiter <char>', 'csv: field delimiter (default: tab for .tsv, else sniffed from the header)')
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
        (options) => ({ ON_BAD_LINE: options.onBadLine }),
      ),
    );
}

function toIngestOptions(options: IngestCommandOptions): IngestOptions {
  const format = options.format;
  if (format !== undefined && !(FORMAT_NAMES as readonly string[]).includes(format)) {
    throw invalid(`invalid --format "${format}": expected one of ${FORMAT_NAMES.join(', ')}`);
  }
  if (options.timeUnit !== undefined && options.timeUnit !== 's' && options.timeUnit !== 'ms') {
    throw invalid(`invalid --time-unit "${options.timeUnit}": expected s or ms`);
  }
  const csvFlags = [options.userCol, options.itemCol, options.ratingCol, options.timeCol, options.weightCol, options.timeUnit, options.ratingScale, options.delimiter];
  const usesCsv = csvFlags.some((v) => v !== undefined);
  if (usesCsv && format !== undefined && format !== 'csv') {
    throw invalid(`--user-col, --item-col and the other column flags apply to --format csv only, not ${format}`);
  }
  let csv: CsvMapping | undefined;
  if (usesCsv) {
    if (!options.userCol || !options.itemCol) throw invalid('--user-col and --item-col are both required for a CSV/TSV file');
    if (options.ratingScale !== undefined && options.ratingCol === undefined) throw invalid('--rating-scale needs --rating-col');
    if (options.timeUnit !== undefined && options.timeCol === undefined) throw invalid('--time-unit needs --time-col');
    csv = {
      userCol: options.userCol,
      itemCol: options.itemCol,
      ratingCol: options.ratingCol,
      timeCol: options.timeCol,
      timeUnit: options.timeUnit as 's' | 'ms' | undefined,
      weightCol: options.weightCol,
      delimiter: options.delimiter === '\\t' ? '\t' : options.delimiter,
    };
  }
  return { format: (usesCsv && format === undefined ? 'csv' : format) as FormatName | undefined, csv, ratingScale: parseRatingScale(options.ratingScale) };
}

function parseRatingScale(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[:,-]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  const scale = match ? ([Number(match[1]), Number(match[2])] as [number, number]) : null;
  if (!scale || scale[0] >= scale[1]) throw invalid(`invalid --rating-scale "${text}": expected MIN:MAX with MIN < MAX, such as 1:5`);
  return scale;
}

function invalid(message: string): TwostageError {
  return new TwostageError('REC_ERR_REQUEST_INVALID', message);
}
