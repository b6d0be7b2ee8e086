import { csvRecords, UNTERMINATED_QUOTE } from '../csv.js';
import { readLines } from '../lines.js';
import type { ItemRecord } from '../types.js';
import type { FileReader, ReadContext } from './context.js';
import { readDelimitedInteractions } from './delimited.js';

/** MovieLens 100k and 1M ratings are whole stars 1–5; ml-latest has half stars from 0.5 to 5. */
export const MOVIELENS_RATING_SCALE: readonly [number, number] = [1, 5];
export const MOVIELENS_LATEST_RATING_SCALE: readonly [number, number] = [0.5, 5];

/** Genre names of the 19 flags in `u.item`, in column order (as listed in the release's u.genre). */
export const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] as const;

/** `u.data` and the `u1.base`… split files: tab-separated user, item, rating, time in seconds, no header. */
export const readMl100kRatings: FileReader = (ctx) =>
  readDelimitedInteractions(ctx, { delimiter: '\t', quoted: false, hasHeader: false, encoding: 'latin1', columns: { user: 0, item: 1, rating: 2, time: 3 }, timeUnit: 's' });

/** ml-1m `ratings.dat`: `UserID::MovieID::Rating::Timestamp` in seconds, Latin-1. */
export const readMl1mRatings: FileReader = (ctx) =>
  readDelimitedInteractions(ctx, { delimiter: '::', quoted: false, hasHeader: false, encoding: 'latin1', columns: { user: 0, item: 1, rating: 2, time: 3 }, timeUnit: 's' });

/** ml-latest `ratings.csv`: header `userId,movieId,rating,timestamp`, seconds. */
export const readMlLatestRatings: FileReader = (ctx) =>
  readDelimitedInteractions(ctx, {
    delimiter: ',',
    quoted: true,
    hasHeader: true,
    encoding: 'utf8',
    columns: { user: 'userId', item: 'movieId', rating: 'rating', time: 'timestamp' },
    timeUnit: 's',
  });

/** `u.item`: `id|title|release date|video release date|IMDb URL|` then 19 genre flags, Latin-1. */
export const readMl100kItems: FileReader = async (ctx) => {
  await forEachSplitLine(ctx, '|', 'latin1', (fields) => {
    if (fields.length < 5 + ML100K_GENRES.length) return `expected ${5 + ML100K_GENRES.length} fields, found ${fields.length}`;
    const genres = ML100K_GENRES.filter((_, g) => fields[5 + g] === '1');
    const extra: Record<string, unknown> = { genres };
    if (fields[2]) extra.releaseDate = fields[2];
    if (fields[4]) extra.imdbUrl = fields[4];
    addMovie(ctx, fields[0], fields[1], genres, extra);
    return null;
  });
};

/** ml-1m `movies.dat`: `MovieID::Title::Genres` with genres separated by `|`, Latin-1. */
export const readMl1mItems: FileReader = async (ctx) => {
  await forEachSplitLine(ctx, '::', 'latin1', (fields) => {
    if (fields.length < 3) return `expected 3 fields, found ${fields.length}`;
    const genres = splitGenres(fields[2]);
    addMovie(ctx, fields[0], fields[1], genres, { genres });
    return null;
  });
};

/** ml-latest `movies.csv`: header `movieId,title,genres`, quoted titles, UTF-8. */
export const readMlLatestItems: FileReader = async (ctx) => {
  let header = true;
  for await (const { records, bytesRead } of csvRecords(readLines(ctx.file), ',')) {
    for (const record of records) {
      if (record.fields === null) {
        ctx.lines += 1;
        ctx.badLines.report(ctx.file, record.line, UNTERMINATED_QUOTE, record.reason, record.text);
        continue;
      }
      if (header) {
        header = false;
        continue;
      }
      ctx.lines += 1;
      if (record.fields.length < 3) {
        ctx.badLines.report(ctx.file, record.line, 'wrong_field_count', 'expected 3 fields: movieId,title,genres', record.text);
        continue;
      }
      const genres = splitGenres(record.fields[2]);
      addMovie(ctx, record.fields[0], record.fields[1], genres, { genres });
    }
    await ctx.items.flush();
    ctx.progress(bytesRead);
  }
};

/** `u.user`: `user id|age|gender|occupation|zip code`. */
export const readMl100kUsers: FileReader = async (ctx) => {
  await forEachSplitLine(ctx, '|', 'latin1', (fields) => {
    if (fields.length < 5) return `expected 5 fields, found ${fields.length}`;
    ctx.users.add(fields[0].trim(), { age: toNumberOrNull(fields[1]), gender: fields[2] || null, occupation: fields[3] || null, zipCode: fields[4] || null });
    return null;
  });
};

/** ml-1m `users.dat`: `UserID::Gender::Age::Occupation::Zip-code` (age and occupation are codes). */
export const readMl1mUsers: FileReader = async (ctx) => {
  await forEachSplitLine(ctx, '::', 'latin1', (fields) => {
    if (fields.length < 5) return `expected 5 fields, found ${fields.length}`;
    ctx.users.add(fields[0].trim(), { gender: fields[1] || null, ageGroup: toNumberOrNull(fields[2]), occupationCode: toNumberOrNull(fields[3]), zipCode: fields[4] || null });
    return null;
  });
};

/** Calls `handle` with the fields of every non-empty line; a returned string reports the line as malformed. */
async function forEachSplitLine(ctx: ReadContext, delimiter: string, encoding: 'utf8' | 'latin1', handle: (fields: string[]) => string | null): Promise<void> {
  for await (const batch of readLines(ctx.file, { encoding })) {
    for (let k = 0; k < batch.lines.length; k++) {
      const text = batch.lines[k];
      if (text.trim().length === 0) continue;
      ctx.lines += 1;
      const problem = handle(text.split(delimiter));
      if (problem !== null) ctx.badLines.report(ctx.file, batch.firstLine + k, 'wrong_field_count', problem, text);
    }
    await ctx.items.flush();
    ctx.progress(batch.bytesRead);
  }
}

function addMovie(ctx: ReadContext, rawId: string, rawTitle: string, genres: string[], extra: Record<string, unknown>): void {
  const itemId = rawId.trim();
  if (itemId === '') {
    ctx.items.add(null, null);
    return;
  }
  const title = rawTitle.trim() || null;
  const year = title ? /\((\d{4})\)\s*$/.exec(title) : null;
  if (year) extra.year = Number(year[1]);
  const record: ItemRecord = { itemId, title, mainCategory: null, store: null, categories: genres, price: null, averageRating: null, ratingNumber: null, extra };
  // MovieLens has no prices: the price is absent for every movie.
  ctx.items.add(record, 'absent');
}

function splitGenres(raw: string): string[] {
  const text = raw.trim();
  if (text === '' || text === '(no genres listed)') return [];
  return text.split('|');
}

function toNumberOrNull(raw: string): number | null {
  const value = Number(raw);
  return raw.trim() !== '' && Number.isFinite(value) ? value : null;
}
