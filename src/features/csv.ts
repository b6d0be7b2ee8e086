/**
 * Minimal RFC 4180 CSV reading and writing for feature imports and training-table exports:
 * comma-separated, fields optionally in double quotes (a quote inside is doubled), quoted fields
 * may span lines, LF or CRLF line ends.
 */
import { createReadStream } from 'node:fs';
import { InputError } from '../errors.js';

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line number where the record starts. */
  readonly line: number;
}

/** Streams the records of a CSV file, the header included, in constant memory. */
export async function* readCsvRecords(file: string): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  let skipLf = false;

  const stream = createReadStream(file, { encoding: 'utf8' });
  let first = true;
  for await (const raw of stream as AsyncIterable<string>) {
    const chunk = first && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
    first = false;
    const records: CsvRecord[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      if (skipLf) {
        skipLf = false;
        if (ch === '\n') continue;
      }
      if (inQuotes) {
        if (ch === '"') {
          inQuotes = false;
          afterQuote = true;
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (ch === '"') {
        if (afterQuote) {
          field += '"';
          inQuotes = true;
          afterQuote = false;
        } else if (field === '' && !fieldStarted) {
          inQuotes = true;
        } else {
          throw new InputError('unexpected double quote inside an unquoted field; quote the whole field and double inner quotes', { file, line });
        }
        fieldStarted = true;
        continue;
      }
      if (ch === ',') {
        fields.push(field);
        field = '';
        afterQuote = false;
        fieldStarted = false;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        // The LF of a CRLF pair may arrive in the next chunk, so remember the CR.
        skipLf = ch === '\r';
        fields.push(field);
        if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) records.push({ fields, line: recordLine });
        fields = [];
        field = '';
        afterQuote = false;
        fieldStarted = false;
        line++;
        recordLine = line;
        continue;
      }
      if (afterQuote) {
        throw new InputError('unexpected text after a closing double quote', { file, line });
      }
      field += ch;
      fieldStarted = true;
    }
    yield* records;
  }
  if (inQuotes) throw new InputError('a quoted field is not closed before the end of the file', { file, line: recordLine });
  if (fieldStarted || field !== '' || fields.length > 0) {
    fields.push(field);
    yield { fields, line: recordLine };
  }
}

/** Quotes a CSV field when it contains a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
