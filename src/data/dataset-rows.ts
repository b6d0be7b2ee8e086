import type { Hash } from 'node:crypto';
import type { CellValue, ColumnValues, Row, TableWriter } from '../store/types.js';
import type { InteractionBuilder } from './builder.js';
import { RATING_ISSUES } from './policy.js';
import type { UserSink } from './user-sink.js';

const WRITE_BATCH_ROWS = 8_192;

export async function writeInteractions(writer: TableWriter, b: InteractionBuilder, ratings: Float64Array, fingerprint: Hash): Promise<void> {
  const raw = b.rawRating.view();
  const status = b.ratingStatus.view();
  const weight = b.weight.view();
  const timestamp = b.timestamp.view();
  const user = b.user.view();
  const item = b.item.view();
  fingerprint.update(b.userIds.join('\n')).update('\u0000').update(b.itemIds.join('\n'));
  for (const array of [user, item, ratings, weight, timestamp]) fingerprint.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));

  const columns: ColumnValues[] = [
    { values: sequence(b.size) },
    { values: user },
    { values: item },
    { values: user, labels: b.userIds },
    { values: item, labels: b.itemIds },
    { values: ratings, nanIsNull: true },
    { values: raw, nanIsNull: true },
    { values: status, labels: [null, ...RATING_ISSUES] },
    { values: weight },
    { values: b.eventCount.view() },
    { values: timestamp, nanIsNull: true },
    { values: b.verified.view(), labels: [false, true], nullBelow: 0 },
    { values: b.helpful.view(), nullBelow: 0 },
    { values: b.variant },
    { values: b.sourceFile.view() },
    { values: b.sourceLine.view() },
  ];
  await appendInBatches(writer, columns, b.size);
}

export async function writeUsers(writer: TableWriter, b: InteractionBuilder, users: UserSink): Promise<void> {
  const index = sequence(b.userIds.length);
  const attributes = b.userIds.map((_, u) => users.attributes.get(u) ?? null);
  await appendInBatches(writer, [{ values: index }, { values: index, labels: b.userIds }, { values: attributes }], b.userIds.length);
}

async function appendInBatches(writer: TableWriter, columns: readonly ColumnValues[], rowCount: number): Promise<void> {
  for (let start = 0; start < rowCount; start += WRITE_BATCH_ROWS) {
    const end = Math.min(rowCount, start + WRITE_BATCH_ROWS);
    await appendColumns(writer, columns.map((column) => sliceColumn(column, start, end)), end - start);
  }
}

/** Returns the numbers 0..n-1, for index columns (`input_order`, `user_index`). */
function sequence(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  return order;
}

function sliceColumn(column: ColumnValues, start: number, end: number): ColumnValues {
  const values = ArrayBuffer.isView(column.values) ? (column.values as Int32Array).subarray(start, end) : (column.values as readonly CellValue[]).slice(start, end);
  return { ...column, values };
}

/** Appends columns through the writer's columnar path, or as rows when the writer has none. */
async function appendColumns(writer: TableWriter, columns: readonly ColumnValues[], rowCount: number): Promise<void> {
  if (writer.appendColumns) {
    await writer.appendColumns(columns, rowCount);
    return;
  }
  const rows: Row[] = [];
  for (let j = 0; j < rowCount; j++) rows.push(columns.map((column) => columnCell(column, j)));
  await writer.append(rows);
}

function columnCell(column: ColumnValues, row: number): CellValue {
  const value = column.values[row];
  if (!ArrayBuffer.isView(column.values)) return value;
  const number = value as number;
  if (number < (column.nullBelow ?? -Infinity) || (column.nanIsNull === true && Number.isNaN(number))) return null;
  return column.labels === undefined ? number : column.labels[number];
}
