import { describe, expect, it } from 'vitest';
import { parseIntegerText } from '../../src/config/integer-text.js';
import { parseIntegerFlag } from '../../src/cli/run.js';

describe('parseIntegerText', () => {
  it.each([
    ['42', 42],
    [' 8001 ', 8001],
    ['+5', 5],
    ['-3', -3],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
  ])('reads %j as %d', (text, value) => {
    expect(parseIntegerText(text)).toBe(value);
  });

  it.each(['', ' ', '\t', 'abc', '1.5', '1.0', '0x10', '0b11', '1e3', '8000.9999999999999999', 'Infinity', '1_000', '12abc', '9007199254740993'])(
    'rejects %j',
    (text) => {
      expect(parseIntegerText(text)).toBeNaN();
    },
  );
});

describe('parseIntegerFlag', () => {
  it('rejects an empty value instead of reading it as 0', () => {
    expect(() => parseIntegerFlag('--port', 0, 65_535)('')).toThrow('invalid value "" for --port: expected an integer from 0 to 65535');
    expect(() => parseIntegerFlag('--seed', 0)(' ')).toThrow('invalid value " " for --seed: expected an integer of at least 0');
    expect(parseIntegerFlag('--port', 0, 65_535)('0')).toBe(0);
  });
});
