import type { LineBatch } from './lines.js';

/** One CSV record with the 1-based number of the line it starts on. */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
  /** The record's text as read (lines joined with LF for a quoted field across lines). */
  readonly text: string;
}

/** Longest quoted field allowed to run across lines before the record is reported as malformed. */
const MAX_RECORD_LINES = 1_000;

/**
 * Splits one CSV record (RFC 4180: fields quoted with `"` where needed, `""` inside quotes is a
 * quote). Returns null when a quoted field is still open at the end of the text, so the caller
 * appends the next line and tries again.
 */
export function splitCsvRecord(text: string, delimiter: string): string[] | null {
  if (text.indexOf('"') < 0) return text.split(delimiter);

  const fields: string[] = [];
  let field = '';
  let i = 0;
  let atFieldStart = true;
  while (i <= text.length) {
    if (atFieldStart && text.charCodeAt(i) === 34) {
      // Quoted field: read to the closing quote, unescaping doubled quotes.
      let j = i + 1;
      for (;;) {
        const close = text.indexOf('"', j);
        if (close < 0) return null;
        field += text.slice(j, close);
        if (text.charCodeAt(close + 1) === 34) {
          field += '"';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      atFieldStart = false;
      continue;
    }
    const next = text.indexOf(delimiter, i);
    const end = next < 0 ? text.length : next;
    field += text.slice(i, end);
    fields.push(field);
    field = '';
    atFieldStart = true;
    if (next < 0) break;
    i = next + delimiter.length;
  }
  return fields;
}

/**
 * Turns line batches into CSV records, joining lines while a quoted field is open. Empty lines
 * are skipped. A record still open after MAX_RECORD_LINES lines, or at the end of the file, is
 * returned with `fields` null so the caller reports it as malformed.
 */
export async function* csvRecords(
  batches: AsyncIterable<LineBatch>,
  delimiter: string,
): AsyncGenerator<{ records: (CsvRecord | { fields: null; line: number; text: string })[]; bytesRead: number }> {
  let pending: { text: string; line: number; count: number } | null = null;
  for await (const batch of batches) {
    const records: (CsvRecord | { fields: null; line: number; text: string })[] = [];
    for (let k = 0; k < batch.lines.length; k++) {
      const lineNumber = batch.firstLine + k;
      const line = batch.lines[k];
      if (pending) {
        pending.text += `\n${line}`;
        pending.count += 1;
      } else {
        if (line.length === 0) continue;
        pending = { text: line, line: lineNumber, count: 1 };
      }
      const fields = splitCsvRecord(pending.text, delimiter);
      if (fields !== null) {
        records.push({ fields, line: pending.line, text: pending.text });
        pending = null;
      } else if (pending.count >= MAX_RECORD_LINES) {
        records.push({ fields: null, line: pending.line, text: pending.text.slice(0, 200) });
        pending = null;
      }
    }
    yield { records, bytesRead: batch.bytesRead };
  }
  if (pending) yield { records: [{ fields: null, line: pending.line, text: pending.text.slice(0, 200) }], bytesRead: 0 };
}

/** Picks the delimiter of a header line: tab when it has more tabs than commas, else comma. */
export function sniffDelimiter(header: string): ',' | '\t' {
  const tabs = header.split('\t').length;
  const commas = header.split(',').length;
  return tabs > commas ? '\t' : ',';
}
