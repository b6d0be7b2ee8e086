import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLE_FILE = path.join('data', 'online-retail-sample.csv.gz');

/**
 * Absolute path of the shipped sample: UCI Online Retail invoice lines from 2011-06-01 to
 * 2011-08-31 (UK time), 111,676 lines, gzip. Found by walking up from this module, so it works
 * from `src/` (tests) and from the compiled `dist/src/`.
 */
export const SAMPLE_DATA_PATH: string = findSample(path.dirname(fileURLToPath(import.meta.url)));

/** Format name of the shipped sample, for `ingestFiles` options and messages. */
export const SAMPLE_DATA_FORMAT = 'online-retail';

function findSample(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, SAMPLE_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    // Not found: return the path beside the package root so the error names the expected file.
    if (parent === dir) return path.resolve(start, '../..', SAMPLE_FILE);
    dir = parent;
  }
}
