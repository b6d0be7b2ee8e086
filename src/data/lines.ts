import { createReadStream } from 'node:fs';
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

export interface ReadLinesOptions {
  /** Text encoding of the file: UTF-8 (default) or ISO-8859-1 (`latin1`). */
  encoding?: 'utf8' | 'latin1';
  /** Read size in bytes (default 1 MiB). */
  chunkSize?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const NEWLINE = 0x0a;

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
 * order mark at the start is dropped; a final line without a newline is still returned. Splitting
 * on the LF byte is safe for UTF-8 and Latin-1, because neither encodes another character with
 * that byte.
 */
export async function* readLines(file: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const encoding = options.encoding ?? 'utf8';
  const raw = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 });
  const gzip = await isGzipFile(file);
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (error) => stream.destroy(error));

  let rest: Buffer | null = null;
  let lineNumber = 1;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const last = chunk.lastIndexOf(NEWLINE);
      if (last < 0) {
        rest = rest ? Buffer.concat([rest, chunk]) : chunk;
        continue;
      }
      const head = rest ? Buffer.concat([rest, chunk.subarray(0, last)]) : chunk.subarray(0, last);
      rest = last + 1 < chunk.length ? chunk.subarray(last + 1) : null;
      const lines = splitLines(head.toString(encoding), first);
      first = false;
      yield { lines, firstLine: lineNumber, bytesRead: raw.bytesRead };
      lineNumber += lines.length;
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'the gzip stream is truncated' : (error as Error).message;
    throw new InputError(`failed to read the file after line ${lineNumber - 1}: ${reason}`, { file });
  }
  if (rest && rest.length > 0) {
    const lines = splitLines(rest.toString(encoding), first);
    yield { lines, firstLine: lineNumber, bytesRead: raw.bytesRead };
  }
}

function splitLines(text: string, atFileStart: boolean): string[] {
  const lines = text.split('\n');
  if (atFileStart && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** Reads only the first non-empty line of a file (for format detection), or null for an empty file. */
export async function readFirstLine(file: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string | null> {
  for await (const batch of readLines(file, { encoding, chunkSize: 64 * 1024 })) {
    const line = batch.lines.find((l) => l.trim().length > 0);
    if (line !== undefined) return line;
  }
  return null;
}
