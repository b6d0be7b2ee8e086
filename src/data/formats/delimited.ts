import { emptyEvent } from '../builder.js';
import { csvRecords, sniffDelimiter, UNTERMINATED_QUOTE } from '../csv.js';
import { hashString } from '../hash.js';
import { readLines, type LineBatch } from '../lines.js';
import { guessTimeUnit, readId, readRating, type TimeUnit } from '../policy.js';
import { InputError } from '../../errors.js';
import { LineError, type ReadContext } from './context.js';
import { requireTimestamp } from './fields.js';

/** Column of each interaction field: a header name (files with a header) or a 0-based position. */
export interface DelimitedColumns {
  user: string | number;
  item: string | number;
  rating?: string | number;
  time?: string | number;
  weight?: string | number;
}

export interface DelimitedSpec {
  /** Field delimiter; `undefined` sniffs tab or comma from the first line. */
  delimiter?: string;
  /** Whether fields may be quoted (RFC 4180). MovieLens `::` files are not. */
  quoted: boolean;
  hasHeader: boolean;
  encoding: 'utf8' | 'latin1';
  columns: DelimitedColumns;
  /** Unit of numeric times; guessed from the first value when undefined. */
  timeUnit?: TimeUnit;
  /** Extra rule applied to each record before the event is added (Online Retail); returns false to drop it. */
  accept?: (fields: string[]) => boolean;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads interactions from a delimited text file (CSV, TSV, `::` or `|` separated): the shared
 * reader behind the Amazon 2023 benchmark CSV, the MovieLens rating files and generic CSV/TSV.
 * A record with too few fields, or a time that is not a number or an ISO 8601 date, is malformed.
 */
export async function readDelimitedInteractions(ctx: ReadContext, spec: DelimitedSpec): Promise<void> {
  const event = emptyEvent();
  event.sourceFile = ctx.fileIndex;
  let layout: ResolvedLayout | null = spec.hasHeader ? null : resolvePositions(spec.columns);
  let delimiter = spec.delimiter;
  let timeUnit = spec.timeUnit;

  for await (const { records, bytesRead } of recordsOf(ctx, spec, (d) => (delimiter ??= d))) {
    for (const record of records) {
      if (record.fields === null) {
        ctx.lines += 1;
        ctx.badLines.report(ctx.file, record.line, UNTERMINATED_QUOTE, record.reason, record.text);
        continue;
      }
      if (layout === null) {
        layout = resolveHeader(ctx.file, record.fields, spec.columns);
        continue;
      }
      ctx.lines += 1;
      try {
        const fields = record.fields;
        if (fields.length <= layout.maxIndex) {
          throw new LineError('wrong_field_count', `expected at least ${layout.maxIndex + 1} fields, found ${fields.length}`);
        }
        if (spec.accept && !spec.accept(fields)) continue;
        event.userId = readId(fields[layout.user]);
        event.itemId = readId(fields[layout.item]);
        event.rating = layout.rating < 0 ? undefined : readRating(fields[layout.rating]);
        if (layout.time < 0) {
          event.timestamp = Number.NaN;
        } else {
          const raw = fields[layout.time].trim();
          if (timeUnit === undefined && /^-?\d+(\.\d+)?$/.test(raw)) timeUnit = guessTimeUnit(Number(raw));
          event.timestamp = ISO_DATE.test(raw) ? parseIsoDate(raw) : requireTimestamp(raw, timeUnit ?? 'ms', ctx.maxTimestampMs, 'time');
        }
        event.weight = layout.weight < 0 ? 1 : parseWeight(fields[layout.weight]);
        event.lineHash = hashString(record.text);
        event.sourceLine = record.line;
        ctx.builder.add(event);
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        ctx.badLines.report(ctx.file, record.line, error.key, error.message, record.text);
      }
    }
    ctx.progress(bytesRead);
  }
  if (layout === null && spec.hasHeader) throw new InputError('the file is empty or has only blank lines; pass a file with a header line and one line per interaction', { file: ctx.file });
}

interface ResolvedLayout {
  user: number;
  item: number;
  rating: number;
  time: number;
  weight: number;
  maxIndex: number;
}

function resolvePositions(columns: DelimitedColumns): ResolvedLayout {
  const at = (c: string | number | undefined) => (typeof c === 'number' ? c : -1);
  return withMax({ user: at(columns.user), item: at(columns.item), rating: at(columns.rating), time: at(columns.time), weight: at(columns.weight) });
}

function resolveHeader(file: string, header: string[], columns: DelimitedColumns): ResolvedLayout {
  const names = header.map((h) => h.trim());
  const find = (column: string | number | undefined, flag: string): number => {
    if (column === undefined) return -1;
    if (typeof column === 'number') return column;
    const index = names.indexOf(column);
    if (index < 0) {
      throw new InputError(`column "${column}" (${flag}) is not in the header; the header has: ${names.join(', ')}`, { file, line: 1 });
    }
    return index;
  };
  return withMax({
    user: find(columns.user, '--user-col'),
    item: find(columns.item, '--item-col'),
    rating: find(columns.rating, '--rating-col'),
    time: find(columns.time, '--time-col'),
    weight: find(columns.weight, '--weight-col'),
  });
}

function withMax(layout: Omit<ResolvedLayout, 'maxIndex'>): ResolvedLayout {
  return { ...layout, maxIndex: Math.max(layout.user, layout.item, layout.rating, layout.time, layout.weight) };
}

async function* recordsOf(ctx: ReadContext, spec: DelimitedSpec, setDelimiter: (sniffed: string) => string) {
  const batches = readLines(ctx.file, { encoding: spec.encoding });
  if (spec.quoted) {
    const first = await peek(batches);
    if (first === null) return;
    const delimiter = spec.delimiter ?? setDelimiter(sniffDelimiter(first.batch.lines[0] ?? ''));
    yield* csvRecords(first.rest, delimiter);
    return;
  }
  const delimiter = spec.delimiter ?? '\t';
  for await (const batch of batches) {
    const records = [];
    for (let k = 0; k < batch.lines.length; k++) {
      const text = batch.lines[k];
      if (text.length === 0) continue;
      records.push({ fields: text.split(delimiter), line: batch.firstLine + k, text });
    }
    yield { records, bytesRead: batch.bytesRead };
  }
}

/** Reads the first batch and returns an iterable that yields it again followed by the rest. */
async function peek(batches: AsyncGenerator<LineBatch>): Promise<{ batch: LineBatch; rest: AsyncIterable<LineBatch> } | null> {
  const first = await batches.next();
  if (first.done) return null;
  const rest = (async function* () {
    yield first.value;
    yield* batches;
  })();
  return { batch: first.value, rest };
}

function parseIsoDate(raw: string): number {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(raw);
  const ms = Date.parse(hasZone ? raw.replace(' ', 'T') : `${raw.replace(' ', 'T')}${raw.length > 10 ? 'Z' : 'T00:00:00Z'}`);
  if (Number.isNaN(ms)) throw new LineError('invalid_timestamp', `time "${raw}" is not a valid date`);
  return ms;
}

function parseWeight(raw: string): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value)) throw new LineError('invalid_weight', `weight "${raw}" is not a number`);
  return value;
}
