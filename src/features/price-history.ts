/**
 * Imports a price history file into the `item_price` group. The CSV header names `item_id`, the
 * event time (`event_ts` or `event_time`, ms) and the price (`item_price` or `price`). An optional
 * created time (`created_ts` or `created_time`, ms) defaults to the event time. An empty price
 * cell is a missing price. A correction is a further row for the same item and event time with a
 * later created time.
 */
import { existsSync } from 'node:fs';
import { InputError, TwostageError } from '../errors.js';
import { readCsvRecords } from './csv.js';
import { ITEM_PRICE } from './definitions.js';
import { HistoryBuilder } from './history.js';
import type { FeatureHistory } from './types.js';

const COLUMN_NAMES = {
  item: ['item_id'],
  event: ['event_ts', 'event_time'],
  created: ['created_ts', 'created_time'],
  price: ['item_price', 'price'],
} as const;

export async function loadPriceHistory(file: string): Promise<FeatureHistory> {
  if (!existsSync(file)) throw new TwostageError('REC_ERR_INPUT_NOT_FOUND', `price history file ${file} does not exist`);
  const builder = new HistoryBuilder(ITEM_PRICE);
  let columns: { item: number; event: number; created: number; price: number } | undefined;

  for await (const record of readCsvRecords(file)) {
    if (!columns) {
      columns = locateColumns(record.fields, file);
      continue;
    }
    const where = { file, line: record.line };
    const itemId = record.fields[columns.item]?.trim() ?? '';
    if (itemId === '') throw new InputError('missing item_id', where);
    const eventTime = parseTime(record.fields[columns.event], 'event time', where);
    const createdTime = columns.created < 0 ? eventTime : parseTime(record.fields[columns.created], 'created time', where);
    const priceText = record.fields[columns.price]?.trim() ?? '';
    const price = priceText === '' ? null : Number(priceText);
    if (price !== null && (!Number.isFinite(price) || price < 0)) {
      throw new InputError(`invalid price "${priceText}": expected a non-negative number or an empty cell`, where);
    }
    builder.add(itemId, eventTime, createdTime, [price]);
  }
  if (!columns) throw new InputError('the file is empty; expected a header line', { file, line: 1 });
  return builder.build();
}

function locateColumns(header: readonly string[], file: string): { item: number; event: number; created: number; price: number } {
  const names = header.map((h) => h.trim());
  const find = (candidates: readonly string[]) => names.findIndex((n) => candidates.includes(n));
  const located = { item: find(COLUMN_NAMES.item), event: find(COLUMN_NAMES.event), created: find(COLUMN_NAMES.created), price: find(COLUMN_NAMES.price) };
  for (const key of ['item', 'event', 'price'] as const) {
    if (located[key] < 0) {
      throw new InputError(`missing column ${COLUMN_NAMES[key].join(' or ')} in the header (found: ${names.join(', ')})`, { file, line: 1 });
    }
  }
  return located;
}

function parseTime(text: string | undefined, what: string, where: { file: string; line: number }): number {
  const trimmed = text?.trim() ?? '';
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isSafeInteger(value)) {
    throw new InputError(`invalid ${what} "${trimmed}": expected an integer time in ms since the Unix epoch`, where);
  }
  return value;
}
