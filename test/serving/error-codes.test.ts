import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/shared.js';

/** Rows of the table in docs/errors.md: code → HTTP status. */
function documentedCodes(): Map<string, number> {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const match of text.matchAll(/^\| `(REC_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)) rows.set(match[1], Number(match[2]));
  return rows;
}

describe('docs/errors.md', () => {
  it('lists every error code', () => {
    const documented = documentedCodes();
    const missing = Object.keys(ERROR_CODES).filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
  });

  it('lists no retired code', () => {
    const extra = [...documentedCodes().keys()].filter((code) => !(code in ERROR_CODES));
    expect(extra).toEqual([]);
  });

  it('gives each code its HTTP status', () => {
    for (const [code, status] of documentedCodes()) {
      expect({ code, status }).toEqual({ code, status: ERROR_CODES[code as keyof typeof ERROR_CODES]?.status });
    }
  });
});
