/**
 * `twostage features export`: joins every user and item feature, point in time, onto the rows of
 * a CSV and writes the result as a training table for training elsewhere (Spark, distributed
 * XGBoost). Input columns come first, unchanged, then one column per feature named after it.
 */
import { InputError } from '../errors.js';
import type { OfflineStore } from '../store/types.js';
import { trainingFeatures } from './definitions.js';
import { writeTable, type OutputColumn, type TableFormat } from './table-writer.js';
import { getTrainingFeatures } from './training.js';
import { readRowsFile } from './training-rows.js';

export interface ExportOptions {
  readonly rowsFile: string;
  readonly output: string;
  /** Name of the timestamp column; by default the first of `timestamp`, `event_ts`, `event_time`, `ts`. */
  readonly timestampColumn?: string;
  /** Progress as log lines instead of a bar, even on a terminal. */
  readonly quiet?: boolean;
}

export interface ExportSummary {
  readonly rows: number;
  readonly output: string;
  readonly format: TableFormat;
  readonly timestampColumn: string;
  readonly passThroughColumns: readonly string[];
  readonly featureColumns: readonly string[];
  readonly excludedSnapshotFeatures: readonly string[];
  /** Rows that found a record, by feature group. */
  readonly matchedRows: Readonly<Record<string, number>>;
}

export async function exportTrainingTable(offline: OfflineStore, options: ExportOptions): Promise<ExportSummary> {
  const features = trainingFeatures();
  const rows = await readRowsFile(options.rowsFile, options.timestampColumn);
  const clash = rows.header.find((name) => features.some((f) => f.name === name));
  if (clash !== undefined) {
    throw new InputError(`input column ${clash} has the name of a feature; rename or drop it so the output columns stay unambiguous`, { file: options.rowsFile, line: 1 });
  }

  const joined = await getTrainingFeatures(offline, rows);
  const columns: OutputColumn[] = rows.header.map((name, c) =>
    name === rows.timestampColumn ? { name, kind: 'integer', values: rows.timestamps } : { name, kind: 'text', values: rows.cells[c] },
  );
  for (const feature of features) columns.push({ name: feature.name, kind: 'feature', column: joined.columns[feature.name] });

  const format = await writeTable(options.output, columns, rows.userIds.length, options.quiet);
  return {
    rows: rows.userIds.length,
    output: options.output,
    format,
    timestampColumn: rows.timestampColumn,
    passThroughColumns: rows.header,
    featureColumns: features.map((f) => f.name),
    excludedSnapshotFeatures: joined.excludedSnapshotFeatures,
    matchedRows: joined.matchedRows,
  };
}
