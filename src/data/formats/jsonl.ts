import type { InteractionEvent } from '../builder.js';
import { hashString } from '../hash.js';
import { readLineRanges } from '../lines.js';
import { LineError, type ReadContext } from './context.js';

/** Position of a line in its file. `seekable` is false for gzip, whose positions a LineRereader cannot use. */
export interface LinePosition {
  start: number;
  bytes: number;
  seekable: boolean;
}

/**
 * Streams a JSON Lines file and calls `handle` for every object. Empty lines are skipped. A line
 * that is not valid JSON (including a bare NaN, which some JSON writers emit), is not an object,
 * or makes `handle` throw a LineError is reported to the bad-line tracker.
 */
export async function forEachJsonObject(
  ctx: ReadContext,
  handle: (object: Record<string, unknown>, line: number, text: string, position: LinePosition) => void,
): Promise<void> {
  const position: LinePosition = { start: 0, bytes: 0, seekable: false };
  for await (const batch of readLineRanges(ctx.file)) {
    const { text: bytes, starts, ends } = batch;
    position.seekable = batch.seekable;
    for (let k = 0; k < starts.length; k++) {
      // Each line is decoded just before it is parsed, so the strings of a whole batch are never
      // alive together (they would be copied by every young-generation collection).
      const text = bytes.toString('utf8', starts[k], ends[k]);
      if (text.length === 0 || (text.charCodeAt(0) !== 123 && isBlank(text))) continue;
      ctx.lines += 1;
      const line = batch.firstLine + k;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        ctx.badLines.report(ctx.file, line, 'invalid_json', `invalid JSON: ${(error as Error).message}`, text);
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        ctx.badLines.report(ctx.file, line, 'not_an_object', 'expected one JSON object per line', text);
        continue;
      }
      position.start = batch.offset + starts[k];
      position.bytes = ends[k] - starts[k];
      try {
        handle(value as Record<string, unknown>, line, text, position);
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        ctx.badLines.report(ctx.file, line, error.key, error.message, text);
      }
    }
    await ctx.items.flush();
    ctx.progress(batch.bytesRead);
  }
}

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/**
 * Sets the event's line for the exact-duplicate rule. A line of a seekable file is hashed only
 * if a later line of its (user, item) pair arrives, because most pairs have a single line and
 * hashing every line cost about a fifth of the review reading time.
 */
export function setLineHash(event: InteractionEvent, text: string, position: LinePosition): void {
  event.lineText = text;
  event.lineStart = position.start;
  event.lineBytes = position.bytes;
  event.lineHash = position.seekable ? Number.NaN : hashString(text);
}
