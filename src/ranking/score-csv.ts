import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { csvRecords, sniffDelimiter } from '../data/csv.js';
import { readFirstLine, readLines } from '../data/lines.js';
import { InputError } from '../errors.js';
import type { XgboostRanker } from './predict.js';

/** Rows scored per prediction call; bounds memory for any input size. */
const BATCH_ROWS = 4096;

export interface ScoreCsvOptions {
  /** Output CSV file, written to a temporary name and renamed at the end; stdout when absent. */
  output?: string;
  /** Keep predictions in memory and return them (for `--json` without `--output`). */
  collect?: boolean;
  /** Stream that receives the CSV when `output` is absent (default process.stdout). */
  stdout?: NodeJS.WritableStream;
}

export interface ScoreCsvResult {
  rows: number;
  columns: string[];
  /** True when the input already had a `prediction` column, which was overwritten. */
  replacedPrediction: boolean;
  predictions?: number[];
}

/**
 * Scores every row of a CSV (comma or tab separated, gzip allowed) with a model. The header must
 * name every model feature; other columns pass through unchanged. An empty field or `NaN` is a
 * missing value; any other non-numeric feature value is an error naming the line and the column.
 * Rows are written with a `prediction` column (appended, or overwritten when present).
 */
export async function scoreCsv(ranker: XgboostRanker, input: string, options: ScoreCsvOptions = {}): Promise<ScoreCsvResult> {
  const sink = openSink(options);
  try {
    const result = await scoreInto(ranker, input, sink.write, options.collect === true);
    await sink.commit();
    return result;
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

async function scoreInto(ranker: XgboostRanker, input: string, write: (text: string) => Promise<void>, collect: boolean): Promise<ScoreCsvResult> {
  const featureNames = ranker.featureNames;
  const width = featureNames.length;
  const matrix = new Float32Array(BATCH_ROWS * width);
  const scores = new Float32Array(BATCH_ROWS);
  const predictions: number[] | undefined = collect ? [] : undefined;

  const firstLine = await readFirstLine(input);
  if (firstLine === null) throw new InputError('the CSV is empty: expected a header naming the model features', { file: input });
  const delimiter = sniffDelimiter(firstLine);
  let header: string[] | null = null;
  let featureColumns: number[] = [];
  let predictionColumn = -1;
  let pending: { fields: string[]; line: number }[] = [];
  let rows = 0;

  const flush = async () => {
    for (let i = 0; i < pending.length; i++) fillRow(matrix, i * width, pending[i], featureColumns, featureNames, input);
    ranker.predict(matrix, pending.length, scores);
    const lines: string[] = [];
    for (let i = 0; i < pending.length; i++) {
      const text = formatScore(scores[i]);
      predictions?.push(Number(text));
      lines.push(formatRecord(withPrediction(pending[i].fields, predictionColumn, text), delimiter));
    }
    await write(`${lines.join('\n')}\n`);
    rows += pending.length;
    pending = [];
  };

  for await (const batch of csvRecords(readLines(input), delimiter)) {
    for (const record of batch.records) {
      if (record.fields === null) throw new InputError(`malformed CSV record (unclosed quote): ${record.text}`, { file: input, line: record.line });
      if (header === null) {
        header = record.fields.map((f) => f.trim());
        featureColumns = locateFeatures(header, featureNames, input);
        predictionColumn = header.indexOf('prediction');
        await write(`${formatRecord(predictionColumn >= 0 ? header : [...header, 'prediction'], delimiter)}\n`);
        continue;
      }
      if (record.fields.length !== header.length) {
        throw new InputError(`expected ${header.length} fields as in the header, got ${record.fields.length}`, { file: input, line: record.line });
      }
      pending.push({ fields: record.fields, line: record.line });
      if (pending.length === BATCH_ROWS) await flush();
    }
  }
  if (header === null) throw new InputError('the CSV is empty: expected a header naming the model features', { file: input });
  if (pending.length > 0) await flush();
  return { rows, columns: predictionColumn >= 0 ? header : [...header, 'prediction'], replacedPrediction: predictionColumn >= 0, predictions };
}

function locateFeatures(header: string[], featureNames: readonly string[], input: string): number[] {
  const missing = featureNames.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((n) => `"${n}"`).join(', ');
    throw new InputError(`missing required column${missing.length > 1 ? 's' : ''} ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}: the model needs every one of its ${featureNames.length} features in the header`, { file: input, line: 1 });
  }
  return featureNames.map((name) => header.indexOf(name));
}

function fillRow(matrix: Float32Array, offset: number, row: { fields: string[]; line: number }, columns: number[], names: readonly string[], input: string): void {
  for (let j = 0; j < columns.length; j++) {
    const text = row.fields[columns[j]].trim();
    if (text === '' || text === 'NaN' || text === 'nan') {
      matrix[offset + j] = Number.NaN;
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) throw new InputError(`column "${names[j]}" must be a number, empty or NaN, got "${text}"`, { file: input, line: row.line });
    matrix[offset + j] = value;
  }
}

function withPrediction(fields: string[], predictionColumn: number, text: string): string[] {
  if (predictionColumn < 0) return [...fields, text];
  const copy = [...fields];
  copy[predictionColumn] = text;
  return copy;
}

/** Shortest decimal that reads back as the same float32. */
export function formatScore(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

function formatRecord(fields: string[], delimiter: string): string {
  return fields.map((f) => (f.includes(delimiter) || f.includes('"') || f.includes('\n') || f.includes('\r') ? `"${f.replace(/"/g, '""')}"` : f)).join(delimiter);
}

interface Sink {
  write: (text: string) => Promise<void>;
  commit: () => Promise<void>;
  abort: () => Promise<void>;
}

function openSink(options: ScoreCsvOptions): Sink {
  if (!options.output) {
    const stream = options.stdout ?? process.stdout;
    let quiet = options.collect === true;
    // A reader that stops early (`| head`) closes the pipe; stop writing instead of failing.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') quiet = true;
    });
    return {
      write: (text) => (quiet ? Promise.resolve() : writeChunk(stream, text)),
      commit: async () => {},
      abort: async () => {},
    };
  }
  const target = options.output;
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const stream: WriteStream = createWriteStream(temporary);
  const closed = () => new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return {
    write: (text) => writeChunk(stream, text),
    commit: async () => {
      await closed();
      await rename(temporary, target);
    },
    abort: async () => {
      stream.destroy();
      await rm(temporary, { force: true });
    },
  };
}

function writeChunk(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(text, (error) => (error ? reject(error) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}
