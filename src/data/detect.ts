import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, TwostageError } from '../errors.js';
import { readFirstLines } from './lines.js';
import { AMAZON_2018_RATING_SCALE, readAmazon2018Reviews } from './formats/amazon2018.js';
import { AMAZON_RATING_SCALE, readAmazon2023Metadata, readAmazon2023Reviews } from './formats/amazon2023.js';
import type { CsvMapping, FileReader, FileRole, FormatName } from './formats/context.js';
import { FORMAT_NAMES } from './formats/context.js';
import { readDelimitedInteractions } from './formats/delimited.js';
import {
  MOVIELENS_LATEST_RATING_SCALE,
  MOVIELENS_RATING_SCALE,
  readMl100kItems,
  readMl100kRatings,
  readMl100kUsers,
  readMl1mItems,
  readMl1mRatings,
  readMl1mUsers,
  readMlLatestItems,
  readMlLatestRatings,
} from './formats/movielens.js';

/** Reading plan of one file: its format family, its role, the reader, and the rating scale its family declares. */
export interface DetectedFile {
  readonly path: string;
  readonly format: FormatName;
  readonly role: FileRole;
  /** Short name of the layout inside the family (`reviews`, `meta`, `u.data`, `ratings.dat`, …). */
  readonly layout: string;
  /** Null for the Online Retail reader, which the ingest builds because it carries item metadata. */
  readonly read: FileReader | null;
  /** Declared rating scale, null for implicit feedback, `observed` when the data decides (generic CSV without --rating-scale). */
  readonly ratingScale: readonly [number, number] | null | 'observed';
}

export interface DetectOptions {
  format?: FormatName;
  csv?: CsvMapping;
  ratingScale?: readonly [number, number];
}

/** What each format's files look like, for the error when a file given with --format does not match. */
const EXPECTED_LAYOUTS: Readonly<Record<FormatName, string>> = {
  amazon2023: 'JSON Lines reviews with user_id, parent_asin, rating and timestamp, or meta_*.jsonl item records with parent_asin',
  'amazon2023-csv': 'the header user_id,parent_asin,rating,timestamp',
  amazon2018: 'JSON Lines reviews with reviewerID, asin, overall and unixReviewTime',
  movielens: 'u.data, u.item, u.user (100k), ratings.dat, movies.dat, users.dat (1M) or ratings.csv, movies.csv (ml-latest)',
  'online-retail': 'the header InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  csv: 'a header row with the columns named by --user-col and --item-col',
};

/** Folder layouts recognised for a dataset folder: MovieLens 100k, 1M and ml-latest. */
const FOLDER_LAYOUTS: readonly { marker: string; files: readonly string[] }[] = [
  { marker: 'u.data', files: ['u.data', 'u.item', 'u.user'] },
  { marker: 'ratings.dat', files: ['ratings.dat', 'movies.dat', 'users.dat'] },
  { marker: 'ratings.csv', files: ['ratings.csv', 'movies.csv'] },
];

/** Expands folders into their data files and detects the format and role of every file. */
export async function detectInputs(paths: readonly string[], options: DetectOptions = {}): Promise<DetectedFile[]> {
  if (paths.length === 0) throw new InputError('no input path given: pass one or more files or a dataset folder');
  if (options.format !== undefined && !FORMAT_NAMES.includes(options.format)) {
    throw new InputError(`unknown format "${options.format}": expected one of ${FORMAT_NAMES.join(', ')}`);
  }
  const files = paths.flatMap((p) => expandPath(p));
  const detected: DetectedFile[] = [];
  for (const file of files) detected.push(await detectFile(file, options));

  const families = [...new Set(detected.map((d) => d.format))];
  if (families.length > 1) {
    const list = detected.map((d) => `${d.path} (${d.format})`).join(', ');
    throw new InputError(`the inputs mix formats: ${list}; ingest one dataset at a time`);
  }
  if (!detected.some((d) => d.role === 'interactions')) {
    throw new InputError(`no interaction file among ${files.join(', ')}: pass the reviews or ratings file along with metadata files`);
  }
  return detected;
}

function expandPath(input: string): string[] {
  if (!existsSync(input)) throw new TwostageError('REC_ERR_INPUT_NOT_FOUND', `input ${input} does not exist`);
  if (!statSync(input).isDirectory()) return [input];

  const names = readdirSync(input);
  for (const layout of FOLDER_LAYOUTS) {
    if (names.includes(layout.marker)) return layout.files.filter((f) => names.includes(f)).map((f) => path.join(input, f));
  }
  const jsonl = names.filter((n) => /\.(jsonl|json)(\.gz)?$/.test(n)).sort();
  if (jsonl.length > 0) return jsonl.map((n) => path.join(input, n));
  throw new InputError(
    `cannot find a dataset in folder ${input}: expected MovieLens files (u.data, ratings.dat or ratings.csv) or Amazon JSON Lines files; pass the files themselves instead`,
  );
}

/**
 * Lines after the first that detection reads when the first line matches no format. Only
 * layouts without a header (JSON Lines, u.data, ratings.dat) are detected from them. A file whose
 * first line alone is malformed is then read, and that line is reported as a bad line.
 */
const DETECTION_FALLBACK_LINES = 20;

async function detectFile(file: string, options: DetectOptions): Promise<DetectedFile> {
  if (options.format === 'csv') return csvFile(file, options);

  const name = path.basename(file).replace(/\.gz$/, '');
  const byName = detectByName(file, name);
  if (byName !== null) return checkFormat(byName, options);

  const lines = await readFirstLines(file, DETECTION_FALLBACK_LINES + 1, 'latin1');
  if (lines.length === 0) {
    if (options.csv) return csvFile(file, options);
    const expected = options.format === undefined ? 'the interactions or metadata of a dataset' : `${EXPECTED_LAYOUTS[options.format]} (${options.format})`;
    throw new InputError(`the file is empty or has only blank lines; pass a file with ${expected}`, { file });
  }
  const first = lines[0];
  const found = detectByContent(file, first) ?? detectFromLaterLines(file, lines.slice(1), options.format);
  if (found === null) {
    if (options.csv) return csvFile(file, options);
    if (options.format !== undefined) {
      throw new InputError(
        `the first line "${first.slice(0, 80)}" does not match the ${options.format} format, which expects ${EXPECTED_LAYOUTS[options.format]}; check the file's columns or --format`,
        { file },
      );
    }
    throw new InputError(
      `cannot detect the format from the file name or its first line "${first.slice(0, 80)}": pass --format (${FORMAT_NAMES.join(', ')}), and for other CSV/TSV files --format csv with --user-col and --item-col`,
      { file },
    );
  }
  return checkFormat(found, options);
}

function checkFormat(found: DetectedFile, options: DetectOptions): DetectedFile {
  if (options.format !== undefined && found.format !== options.format) {
    throw new InputError(`the file looks like ${found.format} (${found.layout}), not ${options.format}; check --format`, { file: found.path });
  }
  return found;
}

/**
 * Detects a header-less layout from the first of `lines` that matches one, when the first line
 * of the file matched none. With `format` given, only a layout of that format counts.
 */
function detectFromLaterLines(file: string, lines: readonly string[], format: FormatName | undefined): DetectedFile | null {
  for (const line of lines) {
    const found = detectRecordLine(file, line.trim());
    if (found !== null && (format === undefined || found.format === format)) return found;
  }
  return null;
}

function detectByName(file: string, name: string): DetectedFile | null {
  const ml = (layout: string, role: FileRole, read: FileReader, scale: readonly [number, number] | null = MOVIELENS_RATING_SCALE): DetectedFile => ({
    path: file,
    format: 'movielens',
    role,
    layout,
    read,
    ratingScale: scale,
  });
  if (name === 'u.data' || /^u[a-z0-9]*\.(base|test)$/.test(name)) return ml('u.data', 'interactions', readMl100kRatings);
  if (name === 'u.item') return ml('u.item', 'items', readMl100kItems);
  if (name === 'u.user') return ml('u.user', 'users', readMl100kUsers);
  if (name === 'ratings.dat') return ml('ratings.dat', 'interactions', readMl1mRatings);
  if (name === 'movies.dat') return ml('movies.dat', 'items', readMl1mItems);
  if (name === 'users.dat') return ml('users.dat', 'users', readMl1mUsers);
  return null;
}

function detectByContent(file: string, first: string): DetectedFile | null {
  const text = first.trim();
  return detectRecordLine(file, text) ?? detectHeaderLine(file, text);
}

function detected(file: string, format: FormatName, layout: string, role: FileRole, read: FileReader | null, ratingScale: DetectedFile['ratingScale']): DetectedFile {
  return { path: file, format, role, layout, read, ratingScale };
}

/** Detects a layout whose every line has the same form: JSON Lines, u.data or ratings.dat. */
function detectRecordLine(file: string, text: string): DetectedFile | null {
  const of = (format: FormatName, layout: string, role: FileRole, read: FileReader | null, ratingScale: DetectedFile['ratingScale']) =>
    detected(file, format, layout, role, read, ratingScale);
  if (text.startsWith('{')) {
    const keys = jsonKeys(text);
    if (keys.has('reviewerID') && keys.has('overall')) return of('amazon2018', 'reviews', 'interactions', readAmazon2018Reviews, AMAZON_2018_RATING_SCALE);
    if (keys.has('user_id') && (keys.has('parent_asin') || keys.has('asin'))) return of('amazon2023', 'reviews', 'interactions', readAmazon2023Reviews, AMAZON_RATING_SCALE);
    if (keys.has('parent_asin')) return of('amazon2023', 'meta', 'items', readAmazon2023Metadata, AMAZON_RATING_SCALE);
    return null;
  }
  if (/^\d+\t\d+\t\d+(\.\d+)?\t\d+$/.test(text)) return of('movielens', 'u.data', 'interactions', readMl100kRatings, MOVIELENS_RATING_SCALE);
  if (/^\d+::\d+::\d+(\.\d+)?::\d+$/.test(text)) return of('movielens', 'ratings.dat', 'interactions', readMl1mRatings, MOVIELENS_RATING_SCALE);
  return null;
}

/** Detects a layout from its header line: the CSV formats. */
function detectHeaderLine(file: string, text: string): DetectedFile | null {
  const of = (format: FormatName, layout: string, role: FileRole, read: FileReader | null, ratingScale: DetectedFile['ratingScale']) =>
    detected(file, format, layout, role, read, ratingScale);
  const header = text.split(',').map((h) => h.trim());
  if (header[0] === 'user_id' && header[1] === 'parent_asin' && header[2] === 'rating' && header[3] === 'timestamp') {
    return of('amazon2023-csv', 'benchmark csv', 'interactions', readAmazon2023Csv, AMAZON_RATING_SCALE);
  }
  if (header.includes('InvoiceNo') && header.includes('StockCode')) return of('online-retail', 'invoice lines', 'interactions', null, null);
  if (header[0] === 'userId' && header[1] === 'movieId' && header[2] === 'rating') {
    return of('movielens', 'ratings.csv', 'interactions', readMlLatestRatings, MOVIELENS_LATEST_RATING_SCALE);
  }
  if (header[0] === 'movieId' && header[1] === 'title') return of('movielens', 'movies.csv', 'items', readMlLatestItems, MOVIELENS_LATEST_RATING_SCALE);
  return null;
}

const readAmazon2023Csv: FileReader = (ctx) =>
  readDelimitedInteractions(ctx, {
    delimiter: ',',
    quoted: true,
    hasHeader: true,
    encoding: 'utf8',
    columns: { user: 'user_id', item: 'parent_asin', rating: 'rating', time: 'timestamp' },
    timeUnit: 'ms',
  });

function csvFile(file: string, options: DetectOptions): DetectedFile {
  const mapping = options.csv;
  if (!mapping?.userCol || !mapping.itemCol) {
    throw new InputError('--format csv needs --user-col and --item-col naming header columns', { file });
  }
  const read: FileReader = (ctx) =>
    readDelimitedInteractions(ctx, {
      delimiter: mapping.delimiter ?? (/\.tsv(\.gz)?$/i.test(file) ? '\t' : undefined),
      quoted: true,
      hasHeader: true,
      encoding: 'utf8',
      columns: { user: mapping.userCol, item: mapping.itemCol, rating: mapping.ratingCol, time: mapping.timeCol, weight: mapping.weightCol },
      timeUnit: mapping.timeUnit,
    });
  const ratingScale = mapping.ratingCol === undefined ? null : (options.ratingScale ?? 'observed');
  return { path: file, format: 'csv', role: 'interactions', layout: 'mapped columns', read, ratingScale };
}

/** Top-level keys of a JSON object line, or an empty set when the line is not valid JSON. */
function jsonKeys(line: string): Set<string> {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? new Set(Object.keys(value)) : new Set();
  } catch {
    return new Set([...line.matchAll(/"([A-Za-z_]+)"\s*:/g)].map((m) => m[1]));
  }
}
