import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, readCsvRecords } from '../../src/features/csv.js';
import { loadPriceHistory } from '../../src/features/price-history.js';
import { columnValue } from '../../src/features/history.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twostage-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

async function readAll(text: string) {
  const records = [];
  for await (const record of readCsvRecords(file('in.csv', text))) records.push(record);
  return records;
}

describe('readCsvRecords', () => {
  it('parses quotes, doubled quotes and quoted line breaks', async () => {
    const records = await readAll('\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\nlast,,\n');
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['last', '', ''],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('handles a CRLF split across read chunks', async () => {
    // The stream reads 65,536 bytes at a time; the CR is the last byte of the first chunk.
    const long = 'x'.repeat(65_536 - 4);
    const records = await readAll(`a\r\n${long}\r\ny\r\n`);
    expect(records.map((r) => r.fields)).toEqual([['a'], [long], ['y']]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('reads a last line without a line break', async () => {
    const records = await readAll('a,b\n1,2');
    expect(records.map((r) => r.fields)).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('rejects a stray quote with its line', async () => {
    await expect(readAll('a,b\n1,x"y\n')).rejects.toThrow(/in\.csv:2: unexpected double quote/);
    await expect(readAll('a,b\n"open,1\n')).rejects.toThrow(/in\.csv:2: a quoted field is not closed/);
  });

  it('quotes fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });
});

describe('loadPriceHistory', () => {
  it('reads prices with optional created times', async () => {
    const history = await loadPriceHistory(file('prices.csv', 'item_id,event_time,price\nA,100,1.5\nB,200,\n'));
    expect(history.entityIds).toEqual(['A', 'B']);
    expect(Array.from(history.createdTime)).toEqual([100, 200]);
    expect(columnValue(history.columns.item_price, 0)).toBe(1.5);
    expect(columnValue(history.columns.item_price, 1)).toBeNull();
  });

  it('names the file and line of a bad value', async () => {
    const bad = file('bad.csv', 'item_id,event_ts,created_ts,item_price\nA,100,100,1\nA,100,later,2\n');
    await expect(loadPriceHistory(bad)).rejects.toThrow(`${bad}:3: invalid created time "later"`);
    const negative = file('negative.csv', 'item_id,event_ts,item_price\nA,100,-3\n');
    await expect(loadPriceHistory(negative)).rejects.toThrow(`${negative}:2: invalid price "-3"`);
    const noPrice = file('no-price.csv', 'item_id,event_ts\nA,100\n');
    await expect(loadPriceHistory(noPrice)).rejects.toThrow(`${noPrice}:1: missing column item_price or price`);
    await expect(loadPriceHistory(path.join(dir, 'absent.csv'))).rejects.toThrow(/does not exist/);
  });
});
