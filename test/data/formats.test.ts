import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ingestFiles, loadDataset } from '../../src/data/dataset.js';
import { parseUkLocalTime } from '../../src/data/formats/online-retail.js';
import { splitCsvRecord, STRAY_QUOTE } from '../../src/data/csv.js';
import { LineRereader, readLineRanges, readLines } from '../../src/data/lines.js';
import { openTempStore } from './store.js';

let env: Awaited<ReturnType<typeof openTempStore>>;
beforeEach(async () => {
  env = await openTempStore();
});
afterEach(async () => {
  await env.cleanup();
});

function write(name: string, content: string | Buffer): string {
  const file = path.join(env.dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

describe('MovieLens 1M and ml-latest', () => {
  it('reads a 1M folder with :: separators in Latin-1', async () => {
    write('ml-1m/ratings.dat', '1::10::5::978300760\n2::20::3::978302109\n1::20::4::978301968\n');
    write('ml-1m/movies.dat', Buffer.from('10::Caf\xe9 au lait (1993)::Comedy|Drama\n20::Heat (1995)::Action\n30::Unseen (1999)::Drama\n', 'latin1'));
    write('ml-1m/users.dat', '1::F::1::10::48067\n2::M::56::16::70072\n');
    const summary = await ingestFiles(env.store, [path.join(env.dir, 'ml-1m')], { quiet: true });
    const data = await loadDataset(env.store);
    expect(summary.format).toBe('movielens');
    expect(data.interactions.itemIds).toEqual(['10', '20', '30']);
    expect(data.itemsWithInteractions).toBe(2);
    expect(data.items[0].title).toBe('Café au lait (1993)');
    expect(data.items[0].categories).toEqual(['Comedy', 'Drama']);
    expect(data.users[0].attributes).toEqual({ gender: 'F', ageGroup: 1, occupationCode: 10, zipCode: '48067' });
    expect(Array.from(data.interactions.timestamp)).toEqual([978300760000, 978302109000, 978301968000]);
  });

  it('reads ml-latest half-star ratings on the 0.5–5 scale', async () => {
    write('latest/ratings.csv', 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,0.5,964981247\n2,1,0,964982224\n');
    write('latest/movies.csv', 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n3,"American President, The (1995)",Comedy|Drama|Romance\n');
    const summary = await ingestFiles(env.store, [path.join(env.dir, 'latest')], { quiet: true });
    const data = await loadDataset(env.store);
    expect(summary.ratingScale).toEqual([0.5, 5]);
    expect(summary.ratings).toBe(2);
    expect(summary.ratingsRejected.out_of_scale).toBe(1);
    expect(data.items[1].title).toBe('American President, The (1995)');
  });
});

describe('generic CSV', () => {
  it('maps columns, guesses seconds and keeps implicit weights', async () => {
    const file = write('events.csv', 'ts,who,what,qty\n1600000000,u1,i1,2\n1600000100,u1,i2,1\n1600000200,u1,i1,3\n');
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: { userCol: 'who', itemCol: 'what', timeCol: 'ts', weightCol: 'qty' } });
    const data = await loadDataset(env.store);
    expect(summary.feedback).toBe('implicit');
    expect(Array.from(data.interactions.weight)).toEqual([5, 1]);
    expect(data.interactions.timestamp[0]).toBe(1_600_000_000_000);
    expect(summary.dropped).toEqual({ repeat_interaction: 1 });
  });

  it('reads TSV with ISO dates and a declared rating scale', async () => {
    const file = write('ratings.tsv', 'user\titem\tstars\twhen\r\nA\tX\t3\t2020-01-02T03:04:05Z\r\nB\tX\t9\t2020-01-03\r\n');
    const summary = await ingestFiles(env.store, [file], {
      quiet: true,
      csv: { userCol: 'user', itemCol: 'item', ratingCol: 'stars', timeCol: 'when' },
      ratingScale: [1, 5],
      format: 'csv',
    });
    expect(summary.ratings).toBe(1);
    expect(summary.ratingsRejected.out_of_scale).toBe(1);
    expect(summary.timeRange?.first).toBe('2020-01-02T03:04:05.000Z');
    expect(summary.timeRange?.last).toBe('2020-01-03T00:00:00.000Z');
  });

  it('rejects milliseconds declared as seconds', async () => {
    const file = write('ms.csv', 'u,i,t\na,b,1600000000000\n');
    await expect(
      ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: { userCol: 'u', itemCol: 'i', timeCol: 't', timeUnit: 's' } }),
    ).rejects.toThrow(/ms\.csv:2: time: timestamp 1600000000000 is in the future when read as seconds/);
  });

  it('names a missing mapped column and lists the header', async () => {
    const file = write('x.csv', 'user,item\na,b\n');
    await expect(ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: { userCol: 'user_id', itemCol: 'item' } })).rejects.toThrow(
      /x\.csv:1: column "user_id" \(--user-col\) is not in the header; the header has: user, item/,
    );
  });

  it('joins a quoted field across lines', async () => {
    const file = write('multi.csv', 'u,i,note\na,b,"line one\nline two"\nc,d,plain\n');
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: { userCol: 'u', itemCol: 'i' } });
    expect(summary.interactions).toBe(2);
    expect(summary.timeRange).toBeNull();
  });
});

describe('unclosed quotes', () => {
  const mapping = { userCol: 'user', itemCol: 'item', timeCol: 'ts' };
  /** Builds a CSV of `rows` rows with header user,item,ts, where row k is `replaced[k]` when given. */
  function rowsCsv(rows: number, replaced: Readonly<Record<number, string>> = {}): string {
    const lines = ['user,item,ts'];
    for (let k = 1; k <= rows; k++) lines.push(replaced[k] ?? `u${k},i${k},${1_600_000_000 + k}`);
    return `${lines.join('\n')}\n`;
  }

  it('skips only the line where the quote opens', async () => {
    const file = write('quote.csv', rowsCsv(1000, { 500: 'u500,"i500,1600000500' }));
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: mapping, onBadLine: 'skip' });
    expect(summary.interactions).toBe(999);
    expect(summary.linesRead).toBe(1000);
    expect(summary.badLines.byReason).toEqual({ unterminated_quote: 1 });
    expect(summary.badLines.first.map((b) => b.line)).toEqual([501]);
    expect(summary.badLines.first[0].excerpt).toBe('u500,"i500,1600000500');
    const data = await loadDataset(env.store);
    expect(data.interactions.itemIds).toContain('i1000');
    expect(data.interactions.itemIds).not.toContain('i500');
  });

  it('names the opening line with --on-bad-line error', async () => {
    const good = write('good.csv', rowsCsv(3));
    await ingestFiles(env.store, [good], { quiet: true, format: 'csv', csv: mapping });
    const file = write('quote.csv', rowsCsv(1000, { 500: 'u500,"i500,1600000500' }));
    await expect(ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: mapping })).rejects.toThrow(
      /quote\.csv:501: the quoted field that opens on this line is never closed before the end of the file; close the quote, or write a quote inside a quoted field as "".*--on-bad-line skip/,
    );
    const data = await loadDataset(env.store);
    expect(data.interactions.itemIds).toEqual(['i1', 'i2', 'i3']);
  });

  it('resumes after a later quote that closes nothing', async () => {
    // Joined with row 6, the quote opened on row 3 closes before "i6", which is not a delimiter.
    const file = write('stray.csv', rowsCsv(8, { 3: 'u3,"i3,1600000003', 6: 'u6,"i6",1600000006' }));
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: mapping, onBadLine: 'skip' });
    expect(summary.interactions).toBe(7);
    expect(summary.badLines.first.map((b) => b.line)).toEqual([4]);
    expect(summary.badLines.first[0].reason).toMatch(/up to line 7, it has a closing quote followed by text other than ","/);
    const data = await loadDataset(env.store);
    expect(data.interactions.itemIds).toContain('i6');
  });

  it('gives up on a quote open for 1000 lines', async () => {
    const file = write('long.csv', rowsCsv(1500, { 2: 'u2,"i2,1600000002', 1200: 'u1200,i1200",1600001200' }));
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: mapping, onBadLine: 'skip' });
    expect(summary.badLines.first.map((b) => b.line)).toEqual([3]);
    expect(summary.badLines.first[0].reason).toMatch(/still open 1000 lines later/);
    expect(summary.interactions).toBe(1499);
  });

  it('keeps quoted line breaks and doubled quotes', async () => {
    const file = write('multi.csv', 'user,item,ts\nu1,"i1 ""a""\nsecond line",1600000001\nu2,i2,1600000002\n');
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'csv', csv: mapping });
    const data = await loadDataset(env.store);
    expect(summary.interactions).toBe(2);
    expect(data.interactions.itemIds).toEqual(['i1 "a"\nsecond line', 'i2']);
  });

  it('skips one movies.csv line in ml-latest', async () => {
    write('latest/ratings.csv', 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,3.0,964981247\n');
    write('latest/movies.csv', 'movieId,title,genres\n1,"Toy Story (1995),Animation\n2,Jumanji (1995),Adventure\n3,"American President, The (1995)",Comedy\n');
    const summary = await ingestFiles(env.store, [path.join(env.dir, 'latest')], { quiet: true, onBadLine: 'skip' });
    const data = await loadDataset(env.store);
    expect(summary.badLines.byReason).toEqual({ unterminated_quote: 1 });
    expect(summary.badLines.first.map((b) => b.line)).toEqual([2]);
    expect(data.items.map((item) => item.title)).toEqual([null, 'American President, The (1995)', 'Jumanji (1995)']);
  });

  it('skips one Online Retail line', async () => {
    const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
    const lines = [
      header,
      '536365,85123A,"WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom',
      '536366,22633,"HAND WARMER, UNION JACK",6,2010-12-01 08:28:00,1.85,17851,United Kingdom',
    ];
    const file = write('retail.csv', `${lines.join('\n')}\n`);
    const summary = await ingestFiles(env.store, [file], { quiet: true, onBadLine: 'skip' });
    expect(summary.format).toBe('online-retail');
    expect(summary.badLines.first.map((b) => b.line)).toEqual([2]);
    expect(summary.interactions).toBe(2);
  });
});

describe('first line and empty files', () => {
  const review = (user: string, item: string) => JSON.stringify({ user_id: user, parent_asin: item, asin: item, rating: 4, timestamp: 1_600_000_000_000 });

  it('skips a malformed first line', async () => {
    const file = write('badfirst.jsonl', ['not json', review('U1', 'P1'), review('U2', 'P2')].join('\n'));
    const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'amazon2023', onBadLine: 'skip' });
    expect(summary.interactions).toBe(2);
    expect(summary.badLines.byReason).toEqual({ invalid_json: 1 });
    expect(summary.badLines.first.map((b) => b.line)).toEqual([1]);
  });

  it('reports a malformed first line as a bad line', async () => {
    const file = write('badfirst.jsonl', ['not json', review('U1', 'P1')].join('\n'));
    await expect(ingestFiles(env.store, [file], { quiet: true, format: 'amazon2023' })).rejects.toThrow(/badfirst\.jsonl:1: invalid JSON.*--on-bad-line skip/);
    await expect(ingestFiles(env.store, [file], { quiet: true })).rejects.toThrow(/badfirst\.jsonl:1: invalid JSON/);
  });

  it('rejects an empty file by name', async () => {
    const file = write('empty.jsonl', '\n\n');
    await expect(ingestFiles(env.store, [file], { quiet: true, format: 'amazon2023' })).rejects.toThrow(
      /empty\.jsonl: the file is empty or has only blank lines; pass a file with JSON Lines reviews/,
    );
    await expect(ingestFiles(env.store, [file], { quiet: true })).rejects.toThrow(/empty\.jsonl: the file is empty or has only blank lines/);
    const csv = write('empty.csv', '');
    await expect(ingestFiles(env.store, [csv], { quiet: true, format: 'csv', csv: { userCol: 'u', itemCol: 'i' } })).rejects.toThrow(
      /empty\.csv: the file is empty or has only blank lines; pass a file with a header line/,
    );
  });

  it('still rejects a CSV given as amazon2023', async () => {
    const file = write('ratings.csv', 'user,item,ts\nu1,i1,1600000001\n');
    await expect(ingestFiles(env.store, [file], { quiet: true, format: 'amazon2023', onBadLine: 'skip' })).rejects.toThrow(
      /ratings\.csv: the first line "user,item,ts" does not match the amazon2023 format/,
    );
  });
});

describe('gzip and line handling', () => {
  it('reads gzip by its signature, not its name', async () => {
    const csv = 'user_id,parent_asin,rating,timestamp\nU1,P1,5.0,1600000000000\n';
    const file = write('bench.csv', gzipSync(Buffer.from(csv)));
    const summary = await ingestFiles(env.store, [file], { quiet: true });
    expect(summary.format).toBe('amazon2023-csv');
    expect(summary.interactions).toBe(1);
  });

  it('strips a BOM and CRLF and keeps a last line without newline', async () => {
    const file = write('bom.txt', '\ufeffa\r\nb\r\nc');
    const lines: string[] = [];
    for await (const batch of readLines(file, { chunkSize: 3 })) lines.push(...batch.lines);
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('reads lines again at their positions', async () => {
    const file = write('positions.txt', '\ufeffcaf\u00e9\r\n\r\nsecond \u{1F600}\nlast');
    const rereader = new LineRereader();
    try {
      const lines: string[] = [];
      for await (const batch of readLineRanges(file, { chunkSize: 4 })) {
        expect(batch.seekable).toBe(true);
        batch.starts.forEach((start, k) => {
          const line = batch.text.toString('utf8', start, batch.ends[k]);
          expect(rereader.read(file, batch.offset + start, batch.ends[k] - start)).toBe(line);
          lines.push(line);
        });
      }
      expect(lines).toEqual(['caf\u00e9', '', 'second \u{1F600}', 'last']);
    } finally {
      rereader.close();
    }
  });

  it('finds exact duplicates in plain and gzip files alike', async () => {
    const line = (user: string, item: string, rating: number, text: string) =>
      JSON.stringify({ user_id: user, parent_asin: item, asin: item, rating, timestamp: 1_600_000_000_000, text });
    // The first line is the one repeated, so its position must skip the byte order mark.
    const reviews = [line('U1', 'P1', 5, 'tr\u00e8s bien'), line('U2', 'P1', 4, 'ok'), line('U1', 'P1', 5, 'tr\u00e8s bien'), line('U1', 'P1', 3, 'changed')];
    const text = `\ufeff${reviews.join('\r\n')}\n`;
    for (const file of [write('plain/Reviews.jsonl', text), write('gzip/Reviews.jsonl.gz', gzipSync(Buffer.from(text)))]) {
      const summary = await ingestFiles(env.store, [file], { quiet: true, format: 'amazon2023' });
      expect(summary.interactions).toBe(2);
      expect(summary.dropped).toEqual({ exact_duplicate: 1, repeat_interaction: 1 });
    }
  });

  it('numbers lines across small chunks', async () => {
    const file = write('n.txt', Array.from({ length: 50 }, (_, k) => `line${k + 1}`).join('\n'));
    for await (const batch of readLines(file, { chunkSize: 7 })) {
      batch.lines.forEach((line, k) => expect(line).toBe(`line${batch.firstLine + k}`));
    }
  });
});

describe('CSV records', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,b",c', ['a,b', 'c']],
    ['"RECORD FRAME 7"" SINGLE SIZE ",x', ['RECORD FRAME 7" SINGLE SIZE ', 'x']],
    ['a,,', ['a', '', '']],
    ['"",x', ['', 'x']],
  ])('splits %s', (text, fields) => {
    expect(splitCsvRecord(text, ',')).toEqual(fields);
  });

  it('signals an open quote', () => {
    expect(splitCsvRecord('a,"b', ',')).toBeNull();
  });

  it('flags text after a closing quote only when strict', () => {
    expect(splitCsvRecord('"a"b,c', ',')).toEqual(['ab', 'c']);
    expect(splitCsvRecord('"a"b,c', ',', true)).toBe(STRAY_QUOTE);
    expect(splitCsvRecord('"a\nb","c"', ',', true)).toEqual(['a\nb', 'c']);
  });
});

describe('UK local time', () => {
  it('converts GMT and BST to UTC', () => {
    expect(new Date(parseUkLocalTime('2010-12-01 08:26:00')).toISOString()).toBe('2010-12-01T08:26:00.000Z');
    expect(new Date(parseUkLocalTime('2011-06-01 07:37:00')).toISOString()).toBe('2011-06-01T06:37:00.000Z');
    // BST 2011 ran from 27 March 01:00 UTC to 30 October 01:00 UTC.
    expect(new Date(parseUkLocalTime('2011-03-27 00:30')).toISOString()).toBe('2011-03-27T00:30:00.000Z');
    expect(new Date(parseUkLocalTime('2011-03-27 02:30')).toISOString()).toBe('2011-03-27T01:30:00.000Z');
    expect(new Date(parseUkLocalTime('2011-10-30 00:30')).toISOString()).toBe('2011-10-29T23:30:00.000Z');
  });
});
