import type { Command } from 'commander';
import type { Config } from '../config/load.js';
import { FORMAT_NAMES, type CsvMapping, type FormatName, type IngestOptions } from '../data/dataset.js';
import { TwostageError } from '../errors.js';

/** The ingest flags as commander parses them; `ingest` and `pipeline` both take them. */
export interface IngestFlags {
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
}

/** Ingest options set by the flags. The bad-line policy goes through the configuration instead (see `ingestConfigFlags`). */
export type IngestFlagOptions = Pick<IngestOptions, 'format' | 'csv' | 'ratingScale'>;

/**
 * Adds the ingest options (--format, --on-bad-line and the CSV column flags) to `command`. Both
 * `ingest` and `pipeline` call it, so they accept and list the same flags.
 */
export function addIngestOptions(command: Command): Command {
  return command
    .option('--format <format>', `input format, detected from the files when omitted (${FORMAT_NAMES.join('|')})`)
    .option('--on-bad-line <policy>', 'malformed line: error stops at the first one, skip counts and skips (default: ON_BAD_LINE)')
    .option('--user-col <name>', 'csv: header of the user id column')
    .option('--item-col <name>', 'csv: header of the item id column')
    .option('--rating-col <name>', 'csv: header of the rating column (omit for implicit feedback)')
    .option('--time-col <name>', 'csv: header of the event time column (Unix time or an ISO 8601 date)')
    .option('--time-unit <unit>', 'csv: unit of a numeric time column, s or ms (default: guessed from the first value)')
    .option('--weight-col <name>', 'csv: header of an implicit weight column such as a quantity (default: weight 1)')
    .option('--rating-scale <min:max>', 'csv: valid rating range, such as 1:5; ratings outside it are kept without a rating (default: the observed range)')
    .option('--delimiter <char>', 'csv: field delimiter (default: tab for .tsv, else sniffed from the header)');
}

/** Maps the ingest flags to the settings they override: --on-bad-line sets ON_BAD_LINE, which the configuration validates. */
export function ingestConfigFlags(flags: IngestFlags): Partial<Record<keyof Config, string | undefined>> {
  return { ON_BAD_LINE: flags.onBadLine };
}

/** Checks the ingest flags and turns them into ingest options; throws REC_ERR_REQUEST_INVALID naming the flag. */
export function toIngestOptions(flags: IngestFlags): IngestFlagOptions {
  const format = flags.format;
  if (format !== undefined && !(FORMAT_NAMES as readonly string[]).includes(format)) {
    throw invalid(`invalid --format "${format}": expected one of ${FORMAT_NAMES.join(', ')}`);
  }
  if (flags.timeUnit !== undefined && flags.timeUnit !== 's' && flags.timeUnit !== 'ms') {
    throw invalid(`invalid --time-unit "${flags.timeUnit}": expected s or ms`);
  }
  const csvFlags = [flags.userCol, flags.itemCol, flags.ratingCol, flags.timeCol, flags.weightCol, flags.timeUnit, flags.ratingScale, flags.delimiter];
  const usesCsv = csvFlags.some((v) => v !== undefined);
  if (usesCsv && format !== undefined && format !== 'csv') {
    throw invalid(`--user-col, --item-col and the other column flags apply to --format csv only, not ${format}`);
  }
  let csv: CsvMapping | undefined;
  if (usesCsv) {
    if (!flags.userCol || !flags.itemCol) throw invalid('--user-col and --item-col are both required for a CSV/TSV file');
    if (flags.ratingScale !== undefined && flags.ratingCol === undefined) throw invalid('--rating-scale needs --rating-col');
    if (flags.timeUnit !== undefined && flags.timeCol === undefined) throw invalid('--time-unit needs --time-col');
    csv = {
      userCol: flags.userCol,
      itemCol: flags.itemCol,
      ratingCol: flags.ratingCol,
      timeCol: flags.timeCol,
      timeUnit: flags.timeUnit as 's' | 'ms' | undefined,
      weightCol: flags.weightCol,
      delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter,
    };
  }
  return { format: (usesCsv && format === undefined ? 'csv' : format) as FormatName | undefined, csv, ratingScale: parseRatingScale(flags.ratingScale) };
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
