import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { buildInteractions, type InteractionInput } from '../data/dataset.js';
import type { Interactions } from '../data/types.js';
import { InputError, TwostageError } from '../errors.js';
import { splitByFlag } from './reindex.js';
import type { TrainTestSplit } from './split-types.js';

/** Event times below this are taken as seconds and converted to ms (1e11 ms is March 1973). */
const SECONDS_LIMIT = 1e11;

interface RatingRows {
  users: string[];
  items: string[];
  ratings: number[];
  timestamps: number[];
}

/**
 * Reads a predefined fold such as MovieLens `u1.base` / `u1.test`: one rating per line,
 * `user item rating timestamp` separated by a tab, `::` or a comma. A first line whose rating field
 * is not a number is a header and is skipped. Timestamps in seconds become ms. Repeated
 * (user, item) pairs within a file keep the earliest event.
 */
export async function predefinedSplit(trainFile: string, testFile: string): Promise<TrainTestSplit> {
  const train = await readRatingFile(trainFile);
  const test = await readRatingFile(testFile);
  if (train.users.length === 0) throw new InputError('the training file has no rating lines', { file: trainFile });
  if (test.users.length === 0) throw new InputError('the test file has no rating lines', { file: testFile });

  const combined = toInteractions(train, test);
  const isTest = new Uint8Array(combined.user.length);
  isTest.fill(1, train.users.length);
  return splitByFlag(combined, isTest, {
    kind: 'predefined',
    cutTime: null,
    description: `predefined fold: training ratings from ${trainFile}, test ratings from ${testFile}`,
  });
}

async function readRatingFile(file: string): Promise<RatingRows> {
  if (!existsSync(file)) throw new TwostageError('REC_ERR_INPUT_NOT_FOUND', `fold file ${file} not found; pass an existing file to --train and --test`);
  const rows: RatingRows = { users: [], items: [], ratings: [], timestamps: [] };
  const seen = new Map<string, number>();
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    const fields = splitFields(line);
    if (lineNumber === 1 && fields.length >= 2 && !/^\s*-?\d/.test(fields[2] ?? '')) continue;
    if (fields.length < 4) {
      throw new InputError(`expected 4 fields (user, item, rating, timestamp), found ${fields.length}`, { file, line: lineNumber });
    }
    const [user, item, ratingText, timeText] = fields;
    const rating = Number(ratingText);
    const rawTime = Number(timeText);
    if (user === '' || item === '') throw new InputError('empty user or item id', { file, line: lineNumber });
    if (!Number.isFinite(rating)) throw new InputError(`invalid rating "${ratingText}": expected a number`, { file, line: lineNumber });
    if (!Number.isFinite(rawTime)) throw new InputError(`invalid timestamp "${timeText}": expected seconds or ms since the Unix epoch`, { file, line: lineNumber });
    const timestamp = rawTime < SECONDS_LIMIT ? rawTime * 1000 : rawTime;

    const key = `${user}\u0000${item}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      if (timestamp < rows.timestamps[earlier]) {
        rows.ratings[earlier] = rating;
        rows.timestamps[earlier] = timestamp;
      }
      continue;
    }
    seen.set(key, rows.users.length);
    rows.users.push(user);
    rows.items.push(item);
    rows.ratings.push(rating);
    rows.timestamps.push(timestamp);
  }
  return rows;
}

function splitFields(line: string): string[] {
  if (line.includes('\t')) return line.split('\t').map((f) => f.trim());
  if (line.includes('::')) return line.split('::').map((f) => f.trim());
  return line.split(',').map((f) => f.trim());
}

/** Training rows first, then test rows, with ids in order of first appearance. */
function toInteractions(train: RatingRows, test: RatingRows): Interactions {
  const rows: InteractionInput[] = [];
  for (const part of [train, test]) {
    for (let r = 0; r < part.users.length; r++) {
      rows.push({ user: part.users[r], item: part.items[r], rating: part.ratings[r], timestamp: part.timestamps[r] });
    }
  }
  return buildInteractions(rows);
}
