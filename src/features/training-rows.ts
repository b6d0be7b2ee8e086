/**
 * Reads the rows of a training-table export: a CSV with `user_id`, `item_id`, a timestamp column
 * in ms and any other columns, which pass through unchanged.
 */
import { existsSync } from 'node:fs';
import { InputError, TwostageError } from '../errors.js';
import { readCsvRecords } from './csv.js';

/** Timestamp column names tried in this order when none is given. */
export const TIMESTAMP_COLUMNS = ['timestamp', 'event_ts', 'event_time', 'ts'] as const;

export interface RowsFile {
  readonly header: readonly string[];
  /** Cells per row, as read; one array per input column, in header order. */
  readonly cells: readonly string[][];
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly timestamps: Float64Array;
  readonly timestampColumn: string;
}

export async function readRowsFile(file: string, timestampColumn?: string): Promise<RowsFile> {
  if (!existsSync(file)) throw new TwostageError('REC_ERR_INPUT_NOT_FOUND', `rows file ${file} does not exist`);
  let header: string[] | undefined;
  let cells: string[][] = [];
  let columns = { user: -1, item: -1, time: -1, name: '' };
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const timestamps: number[] = [];

  for await (const record of readCsvRecords(file)) {
    if (!header) {
      header = record.fields.map((h) => h.trim());
      columns = locateColumns(header, file, timestampColumn);
      cells = header.map(() => []);
      continue;
    }
    const where = { file, line: record.line };
    if (record.fields.length !== header.length) {
      throw new InputError(`expected ${header.length} fields as in the header, found ${record.fields.length}`, where);
    }
    const userId = record.fields[columns.user].trim();
    const itemId = record.fields[columns.item].trim();
    if (userId === '') throw new InputError('empty user_id', where);
    if (itemId === '') throw new InputError('empty item_id', where);
    const text = record.fields[columns.time].trim();
    const time = Number(text);
    if (text === '' || !Number.isSafeInteger(time)) {
      throw new InputError(`invalid timestamp "${text}" in column ${columns.name}: expected an integer time in ms since the Unix epoch`, where);
    }
    userIds.push(userId);
    itemIds.push(itemId);
    timestamps.push(time);
    record.fields.forEach((value, c) => cells[c].push(value));
  }
  if (!header) throw new InputError('the file is empty; expected a header line with user_id, item_id and a timestamp column', { file, line: 1 });
  return { header, cells, userIds, itemIds, timestamps: Float64Array.from(timestamps), timestampColumn: columns.name };
}

function locateColumns(header: readonly string[], file: string, timestampColumn?: string): { user: number; item: number; time: number; name: string } {
  const where = { file, line: 1 };
  const found = `found: ${header.join(', ')}`;
  const user = header.indexOf('user_id');
  const item = header.indexOf('item_id');
  if (user < 0) throw new InputError(`missing column user_id in the header (${found})`, where);
  if (item < 0) throw new InputError(`missing column item_id in the header (${found})`, where);

  const name = timestampColumn ?? TIMESTAMP_COLUMNS.find((c) => header.includes(c));
  if (name === undefined) {
    throw new InputError(`missing timestamp column: expected one of ${TIMESTAMP_COLUMNS.join(', ')} or a name given with --time-col (${found})`, where);
  }
  const time = header.indexOf(name);
  if (time < 0) throw new InputError(`missing timestamp column ${name} in the header (${found})`, where);
  const duplicate = header.find((h, i) => header.indexOf(h) !== i);
  if (duplicate !== undefined) throw new InputError(`column ${duplicate} appears twice in the header`, where);
  return { user, item, time, name };
}
