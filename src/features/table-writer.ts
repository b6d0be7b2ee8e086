/**
 * Writes a training table to CSV or Parquet, chosen by the output file's extension. The file
 * appears whole or not at all: rows go to a temporary file beside it, which is then renamed.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { DOUBLE, LIST, VARCHAR, BIGINT, type DuckDBAppender } from '@duckdb/node-api';
import { TwostageError } from '../errors.js';
import { startProgress, type Progress } from '../progress.js';
import { connectDuckDb, quoteIdentifier } from '../store/duckdb/connection.js';
import { csvField } from './csv.js';
import type { FeatureColumn } from './types.js';

/** A column to write: input cells pass through as text, features keep their type. */
export type OutputColumn =
  | { readonly name: string; readonly kind: 'text'; readonly values: readonly string[] }
  | { readonly name: string; readonly kind: 'integer'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'feature'; readonly column: FeatureColumn };

export type TableFormat = 'csv' | 'parquet';

/** Returns the output format for the file extension; throws for anything but `.csv` and `.parquet`. */
export function tableFormatOf(file: string): TableFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.parquet') return 'parquet';
  throw new TwostageError('REC_ERR_REQUEST_INVALID', `unsupported output file ${file}: the extension must be .csv or .parquet`);
}

/** Rows between two progress updates. */
const PROGRESS_STEP = 10_000;

/** Writes the table; `quiet` reports progress as log lines even on a terminal. */
export async function writeTable(file: string, columns: readonly OutputColumn[], rowCount: number, quiet = false): Promise<TableFormat> {
  const format = tableFormatOf(file);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const progress = startProgress({ label: `write ${path.basename(file)}`, total: rowCount, unit: 'rows', quiet });
  try {
    if (format === 'csv') await writeCsv(temporary, columns, rowCount, progress);
    else await writeParquet(temporary, columns, rowCount, progress);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  progress.finish();
  return format;
}

/**
 * CSV cells: numbers in JavaScript's shortest round-trip form, categorical lists as JSON arrays,
 * and an empty cell for a missing value.
 */
export function csvCell(column: OutputColumn, row: number): string {
  if (column.kind === 'text') return csvField(column.values[row]);
  if (column.kind === 'integer') return String(column.values[row]);
  const feature = column.column;
  if (feature.type === 'numeric') {
    const v = feature.values[row];
    return Number.isNaN(v) ? '' : String(v);
  }
  const v = feature.values[row];
  if (v === null) return '';
  return csvField(feature.type === 'categorical' ? (v as string) : JSON.stringify(v));
}

async function writeCsv(file: string, columns: readonly OutputColumn[], rowCount: number, progress: Progress): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  await write(`${columns.map((c) => csvField(c.name)).join(',')}\n`);
  let chunk = '';
  for (let row = 0; row < rowCount; row++) {
    chunk += `${columns.map((c) => csvCell(c, row)).join(',')}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
    if (row % PROGRESS_STEP === 0) progress.update(row);
  }
  await write(chunk);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}

/** Parquet through an in-memory DuckDB: text as VARCHAR, times as BIGINT, features as DOUBLE, VARCHAR or VARCHAR[]. */
async function writeParquet(file: string, columns: readonly OutputColumn[], rowCount: number, progress: Progress): Promise<void> {
  const connection = await connectDuckDb(':memory:');
  try {
    await connection.run(`CREATE TABLE export_rows (${columns.map((c) => `${quoteIdentifier(c.name)} ${parquetType(c)}`).join(', ')})`);
    const appender = await connection.createAppender('export_rows');
    try {
      for (let row = 0; row < rowCount; row++) {
        for (const column of columns) appendCell(appender, column, row);
        appender.endRow();
        if (row % PROGRESS_STEP === 0) progress.update(row);
      }
    } finally {
      appender.closeSync();
    }
    const target = file.replaceAll("'", "''");
    await connection.run(`COPY export_rows TO '${target}' (FORMAT PARQUET)`);
  } finally {
    connection.closeSync();
  }
}

const VARCHAR_LIST = LIST(VARCHAR);

function parquetType(column: OutputColumn): string {
  if (column.kind === 'text') return 'VARCHAR';
  if (column.kind === 'integer') return 'BIGINT';
  switch (column.column.type) {
    case 'numeric':
      return 'DOUBLE';
    case 'categorical':
      return 'VARCHAR';
    case 'categorical_list':
      return 'VARCHAR[]';
  }
}

function appendCell(appender: DuckDBAppender, column: OutputColumn, row: number): void {
  if (column.kind === 'text') {
    appender.appendVarchar(column.values[row]);
    return;
  }
  if (column.kind === 'integer') {
    appender.appendValue(BigInt(column.values[row]), BIGINT);
    return;
  }
  const feature = column.column;
  if (feature.type === 'numeric') {
    const v = feature.values[row];
    if (Number.isNaN(v)) appender.appendNull();
    else appender.appendValue(v, DOUBLE);
    return;
  }
  const v = feature.values[row];
  if (v === null) appender.appendNull();
  else if (feature.type === 'categorical') appender.appendVarchar(v as string);
  else appender.appendList([...(v as readonly string[])], VARCHAR_LIST);
}
