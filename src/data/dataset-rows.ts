import type { Hash } from 'node:crypto';
import type { Row, TableWriter } from '../store/types.js';
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

  let rows: Row[] = [];
  for (let j = 0; j < b.size; j++) {
    const verified = b.verified.get(j);
    const helpful = b.helpful.get(j);
    rows.push([
      j,
      user[j],
      item[j],
      b.userIds[user[j]],
      b.itemIds[item[j]],
      Number.isNaN(ratings[j]) ? null : ratings[j],
      Number.isNaN(raw[j]) ? null : raw[j],
      status[j] === 0 ? null : RATING_ISSUES[status[j] - 1],
      weight[j],
      b.eventCount.get(j),
      Number.isNaN(timestamp[j]) ? null : timestamp[j],
      verified < 0 ? null : verified === 1,
      helpful < 0 ? null : helpful,
      b.variant[j],
      b.sourceFile.get(j),
      b.sourceLine.get(j),
    ]);
    if (rows.length === WRITE_BATCH_ROWS) {
      await writer.append(rows);
      rows = [];
    }
  }
  if (rows.length > 0) await writer.append(rows);
}

export async function writeUsers(writer: TableWriter, b: InteractionBuilder, users: UserSink): Promise<void> {
  let rows: Row[] = [];
  for (let u = 0; u < b.userIds.length; u++) {
    rows.push([u, b.userIds[u], users.attributes.get(u) ?? null]);
    if (rows.length === WRITE_BATCH_ROWS) {
      await writer.append(rows);
      rows = [];
    }
  }
  if (rows.length > 0) await writer.append(rows);
}
