import type { BadLineTracker } from '../bad-lines.js';
import type { InteractionBuilder } from '../builder.js';
import type { ItemSink } from '../item-sink.js';
import type { UserSink } from '../user-sink.js';

/** Input format names accepted by `--format`. */
export const FORMAT_NAMES = ['amazon2023', 'amazon2023-csv', 'amazon2018', 'movielens', 'online-retail', 'csv'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** Role of a file: it contributes interaction events, item metadata or user attributes. */
export type FileRole = 'interactions' | 'items' | 'users';

/** Column mapping for the generic CSV/TSV format; names are header names. */
export interface CsvMapping {
  userCol: string;
  itemCol: string;
  ratingCol?: string;
  timeCol?: string;
  /** Unit of a numeric time column; guessed from the first value's magnitude when absent. */
  timeUnit?: 's' | 'ms';
  weightCol?: string;
  /** Field delimiter; sniffed from the header (tab or comma) when absent. */
  delimiter?: string;
}

/** Everything a file reader writes to while it streams one file. */
export interface ReadContext {
  readonly file: string;
  /** Index of the file in the ingest's source list. */
  readonly fileIndex: number;
  readonly builder: InteractionBuilder;
  readonly badLines: BadLineTracker;
  readonly items: ItemSink;
  readonly users: UserSink;
  /** Latest accepted event time in ms. */
  readonly maxTimestampMs: number;
  /** Called with the bytes of this file consumed so far. */
  progress(bytesRead: number): void;
  /** Data lines read from this file (non-empty, without the header line). */
  lines: number;
}

export type FileReader = (ctx: ReadContext) => Promise<void>;

/** A malformed-line signal thrown inside a line handler: `key` is the count key, `message` the reason. */
export class LineError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}
