// Rebuilds online-retail-sample.csv.gz from the full UCI Online Retail CSV:
//   node data/make-online-retail-sample.mjs ../shared/data/uci-online-retail/online_retail.csv.gz
// Keeps the header and every line whose InvoiceDate falls in [FROM, TO), byte for byte and in the
// original order, so each customer's history inside the window is complete.
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, constants } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FROM = '2011-06-01';
const TO = '2011-09-01';
const DATE_FIELD = 4;

const source = process.argv[2];
if (!source) {
  console.error('usage: node data/make-online-retail-sample.mjs PATH/online_retail.csv.gz');
  process.exit(1);
}
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), 'online-retail-sample.csv.gz');

/** Splits a CSV line with RFC 4180 quoting; the input has no quoted line breaks. */
function fields(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

async function* selectLines() {
  const lines = createInterface({ input: createReadStream(source).pipe(createGunzip()), crlfDelay: Infinity });
  let header = true;
  let kept = 0;
  for await (const line of lines) {
    if (header) {
      header = false;
      yield `${line}\n`;
      continue;
    }
    const date = fields(line)[DATE_FIELD].slice(0, 10);
    if (date >= FROM && date < TO) {
      kept++;
      yield `${line}\n`;
    }
  }
  console.error(`kept ${kept} lines from ${FROM} to ${TO} (exclusive)`);
}

await pipeline(Readable.from(selectLines()), createGzip({ level: constants.Z_BEST_COMPRESSION }), createWriteStream(target));
console.error(`wrote ${target}`);
