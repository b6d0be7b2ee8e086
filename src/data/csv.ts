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

/** Result of a strict splitCsvRecord when a closing quote is followed by text other than the delimiter. */
export const STRAY_QUOTE = 'stray_quote';

/**
 * Splits one CSV record (RFC 4180: fields quoted with `"` where needed, `""` inside quotes is a
 * quote). Returns null when a quoted field is still open at the end of the text, so the caller
 * appends the next line and tries again. Text after a closing quote is kept as part of the
 * field (`"a"b` reads as `ab`). With `strict` set, a closing quote followed by anything but the
 * delimiter or the end of the text returns STRAY_QUOTE instead.
 */
export function splitCsvRecord(text: string, delimiter: string): string[] | null;
export function splitCsvRecord(text: string, delimiter: string, strict: boolean): string[] | null | typeof STRAY_QUOTE;
export function splitCsvRecord(text: string, delimiter: string, strict = false): string[] | null | typeof STRAY_QUOTE {
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
      if (strict && i < text.length && !text.startsWith(delimiter, i)) return STRAY_QUOTE;
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

/** A record whose quoted field never closes: only the line where the quote opened is rejected. */
export interface MalformedCsvRecord {
  readonly fields: null;
  /** 1-based number of the line where the unclosed quote opened. */
  readonly line: number;
  /** That line's text. */
  readonly text: string;
  /** Reason the quote counts as unclosed, for the bad-line report. */
  readonly reason: string;
}

/** Bad-line count key of a MalformedCsvRecord. */
export const UNTERMINATED_QUOTE = 'unterminated_quote';

/**
 * Assembles physical lines into CSV records, joining lines while a quoted field is open. Empty
 * lines outside a quoted field are skipped. A quoted field that spans lines is accepted only if
 * it closes within MAX_RECORD_LINES lines and every closing quote of the joined record is
 * followed by the delimiter or the line end. Otherwise the quote that opened it is taken to be
 * unclosed: the opening line is returned as malformed and the lines after it are parsed again
 * as records of their own, so one stray quote costs one line, not the rest of the file.
 */
class CsvRecordAssembler {
  private readonly delimiter: string;
  /** Lines of the record being joined; line k has number `firstLine + k`. */
  private pending: string[] = [];
  private firstLine = 0;

  constructor(delimiter: string) {
    this.delimiter = delimiter;
  }

  /** Feeds line `lineNumber` and appends the records it completes to `out`. */
  push(line: string, lineNumber: number, out: (CsvRecord | MalformedCsvRecord)[]): void {
    if (this.pending.length === 0) {
      if (line.length === 0) return;
      const fields = splitCsvRecord(line, this.delimiter);
      if (fields !== null) {
        out.push({ fields, line: lineNumber, text: line });
      } else {
        this.pending = [line];
        this.firstLine = lineNumber;
      }
      return;
    }

    this.pending.push(line);
    const joined = this.pending.join('\n');
    const fields = splitCsvRecord(joined, this.delimiter, true);
    if (Array.isArray(fields)) {
      out.push({ fields, line: this.firstLine, text: joined });
      this.pending = [];
    } else if (fields === STRAY_QUOTE) {
      const delimiter = this.delimiter === '\t' ? 'a tab' : `"${this.delimiter}"`;
      this.abandonAndReplay(out, `the quoted field that opens on this line is never closed: joined with the lines up to line ${lineNumber}, it has a closing quote followed by text other than ${delimiter}`);
    } else if (this.pending.length >= MAX_RECORD_LINES) {
      this.abandonAndReplay(out, `the quoted field that opens on this line is still open ${MAX_RECORD_LINES} lines later`);
    }
  }

  /** Appends the record still open at the end of the file, as malformed, to `out`, and parses the lines after it again. */
  finish(out: (CsvRecord | MalformedCsvRecord)[]): void {
    while (this.pending.length > 0) {
      this.abandonAndReplay(out, 'the quoted field that opens on this line is never closed before the end of the file');
    }
  }

  /**
   * Reports the opening line of the pending record as malformed, then feeds the lines after it
   * again. Replaying can open another record, which the caller's next line continues.
   */
  private abandonAndReplay(out: (CsvRecord | MalformedCsvRecord)[], reason: string): void {
    const replay = this.pending.slice(1);
    const replayFirstLine = this.firstLine + 1;
    this.abandon(out, reason);
    for (let k = 0; k < replay.length; k++) this.push(replay[k], replayFirstLine + k, out);
  }

  private abandon(out: (CsvRecord | MalformedCsvRecord)[], reason: string): void {
    out.push({
      fields: null,
      line: this.firstLine,
      text: this.pending[0],
      reason: `${reason}; close the quote, or write a quote inside a quoted field as ""`,
    });
    this.pending = [];
  }
}

/**
 * Turns line batches into CSV records with CsvRecordAssembler. A malformed record has `fields`
 * null so the caller reports it as a bad line.
 */
export async function* csvRecords(
  batches: AsyncIterable<LineBatch>,
  delimiter: string,
): AsyncGenerator<{ records: (CsvRecord | MalformedCsvRecord)[]; bytesRead: number }> {
  const assembler = new CsvRecordAssembler(delimiter);
  let bytesRead = 0;
  for await (const batch of batches) {
    const records: (CsvRecord | MalformedCsvRecord)[] = [];
    for (let k = 0; k < batch.lines.length; k++) assembler.push(batch.lines[k], batch.firstLine + k, records);
    bytesRead = batch.bytesRead;
    yield { records, bytesRead };
  }
  const records: (CsvRecord | MalformedCsvRecord)[] = [];
  assembler.finish(records);
  if (records.length > 0) yield { records, bytesRead };
}

/** Picks the delimiter of a header line: tab when it has more tabs than commas, else comma. */
export function sniffDelimiter(header: string): ',' | '\t' {
  const tabs = header.split('\t').length;
  const commas = header.split(',').length;
  return tabs > commas ? '\t' : ',';
}
