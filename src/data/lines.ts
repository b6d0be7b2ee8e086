import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';

/** A batch of consecutive lines of one file; `firstLine` is the 1-based number of `lines[0]`. */
export interface LineBatch {
  readonly lines: string[];
  readonly firstLine: number;
  /** Bytes of the file (compressed bytes for gzip) consumed so far, for progress reports. */
  readonly bytesRead: number;
}

/**
 * A batch of consecutive lines of one file as byte ranges, for readers that decode one line at
 * a time: line k is `text[starts[k], ends[k])`, without its line end and the byte order mark.
 */
export interface LineRangeBatch {
  readonly text: Buffer;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Position of `text[0]` in the uncompressed file. */
  readonly offset: number;
  /** 1-based number of the first line. */
  readonly firstLine: number;
  /** Bytes of the file (compressed bytes for gzip) consumed so far, for progress reports. */
  readonly bytesRead: number;
  /** Whether positions in the uncompressed file are positions in the file itself (false for gzip), so `LineRereader.read` can use them. */
  readonly seekable: boolean;
}

export interface ReadLinesOptions {
  /** Text encoding of the file: UTF-8 (default) or ISO-8859-1 (`latin1`). */
  encoding?: 'utf8' | 'latin1';
  /** Read size in bytes (default 1 MiB). */
  chunkSize?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Checks the first two bytes for the gzip signature, so `.gz` detection does not trust the name. */
export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** Size of a file on disk in bytes. */
export async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

/**
 * Streams the lines of a text file, gzip-compressed or not, in batches of whole lines. Memory
 * stays bounded by the chunk size plus the longest line. Line ends are LF or CRLF; a UTF-8 byte
 * order mark at the start is dropped; a final line without a newline is still returned.
 */
export async function* readLines(file: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const encoding = options.encoding ?? 'utf8';
  for await (const batch of readLineRanges(file, options)) {
    const { text, starts, ends } = batch;
    const lines: string[] = [];
    for (let k = 0; k < starts.length; k++) lines.push(text.toString(encoding, starts[k], ends[k]));
    yield { lines, firstLine: batch.firstLine, bytesRead: batch.bytesRead };
  }
}

/**
 * Streams the lines of a file as byte ranges, with the rules of `readLines`. The lines are split
 * on the LF byte, which is safe for UTF-8 and Latin-1, because neither encodes another
 * character with that byte.
 */
export async function* readLineRanges(file: string, options: Pick<ReadLinesOptions, 'chunkSize'> = {}): AsyncGenerator<LineRangeBatch> {
  const raw = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 });
  const gzip = await isGzipFile(file);
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (error) => stream.destroy(error));

  let rest: Buffer | null = null;
  /** Position of `rest` (or of the next chunk) in the uncompressed file. */
  let restStart = 0;
  let lineNumber = 1;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
      const { starts, ends, consumed } = splitLines(text, restStart === 0, false);
      rest = consumed < text.length ? text.subarray(consumed) : null;
      const offset = restStart;
      restStart += consumed;
      if (starts.length === 0) continue;
      yield { text, starts, ends, offset, firstLine: lineNumber, bytesRead: raw.bytesRead, seekable: !gzip };
      lineNumber += starts.length;
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'the gzip stream is truncated' : (error as Error).message;
    throw new InputError(`failed to read the file after line ${lineNumber - 1}: ${reason}`, { file });
  }
  if (rest && rest.length > 0) {
    const { starts, ends } = splitLines(rest, restStart === 0, true);
    yield { text: rest, starts, ends, offset: restStart, firstLine: lineNumber, bytesRead: raw.bytesRead, seekable: !gzip };
  }
}

interface LineRanges {
  starts: number[];
  ends: number[];
  /** Bytes of the text that belong to the returned lines, line ends included. */
  consumed: number;
}

/** Finds the complete lines of `text`. With `final`, the bytes after the last LF are a line too. */
function splitLines(text: Buffer, atFileStart: boolean, final: boolean): LineRanges {
  const starts: number[] = [];
  const ends: number[] = [];
  let start = 0;
  // The UTF-8 byte order mark is dropped for Latin-1 too, where it would read as "ï»¿": format
  // detection reads first lines as Latin-1.
  if (atFileStart && text.length >= 3 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) start = 3;
  for (;;) {
    const newline = text.indexOf(NEWLINE, start);
    if (newline < 0 && !(final && start < text.length)) break;
    const next = newline < 0 ? text.length : newline + 1;
    let end = newline < 0 ? text.length : newline;
    if (end > start && text[end - 1] === CARRIAGE_RETURN) end -= 1;
    starts.push(start);
    ends.push(end);
    start = next;
  }
  return { starts, ends, consumed: start };
}

/**
 * Reads one line of a file again from its position in a seekable LineRangeBatch, keeping
 * one open handle per file until `close`.
 */
// NOTE: a file rewritten during the ingest with the same length goes unnoticed, and its re-read
// lines may then count an exact duplicate as a repeat.
export class LineRereader {
  private readonly handles = new Map<string, number>();

  /** Returns the line at byte `start`, `bytes` long, decoded as readLines decoded it. */
  read(file: string, start: number, bytes: number, encoding: 'utf8' | 'latin1' = 'utf8'): string {
    let handle = this.handles.get(file);
    if (handle === undefined) {
      handle = openSync(file, 'r');
      this.handles.set(file, handle);
    }
    const buffer = Buffer.allocUnsafe(bytes);
    let done = 0;
    while (done < bytes) {
      const read = readSync(handle, buffer, done, bytes - done, start + done);
      if (read === 0) throw new InputError(`line at byte ${start} is shorter than when it was first read; the file changed during the ingest, so ingest it again once nothing writes to it`, { file });
      done += read;
    }
    return buffer.toString(encoding);
  }

  close(): void {
    for (const handle of this.handles.values()) closeSync(handle);
    this.handles.clear();
  }
}

/** Reads only the first non-empty line of a file (for format detection), or null for an empty file. */
export async function readFirstLine(file: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string | null> {
  const [line] = await readFirstLines(file, 1, encoding);
  return line ?? null;
}

/**
 * Reads up to `count` non-blank lines from the start of a file (for format detection), in 64 KiB
 * chunks, stopping once it has them. Returns an empty array for a file with no non-blank line.
 */
export async function readFirstLines(file: string, count: number, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of readLines(file, { encoding, chunkSize: 64 * 1024 })) {
    for (const line of batch.lines) {
      if (line.trim().length === 0) continue;
      found.push(line);
      if (found.length === count) return found;
    }
  }
  return found;
}
