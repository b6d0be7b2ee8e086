import { readLines } from '../lines.js';
import { LineError, type ReadContext } from './context.js';

/**
 * Streams a JSON Lines file and calls `handle` for every object. Empty lines are skipped. A line
 * that is not valid JSON (including a bare NaN, which some JSON writers emit), is not an object,
 * or makes `handle` throw a LineError is reported to the bad-line tracker.
 */
export async function forEachJsonObject(
  ctx: ReadContext,
  handle: (object: Record<string, unknown>, line: number, text: string) => void,
): Promise<void> {
  for await (const batch of readLines(ctx.file)) {
    const lines = batch.lines;
    for (let k = 0; k < lines.length; k++) {
      const text = lines[k];
      // A line starting with "{" is not blank, which skips the trim for nearly every line.
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
      try {
        handle(value as Record<string, unknown>, line, text);
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
