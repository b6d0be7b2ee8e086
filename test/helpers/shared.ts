import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from this file's location. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Folder with the public datasets, reference results and failure cases, beside the repository
 * (`../shared`); TWOSTAGE_SHARED_DIR overrides it.
 */
export const SHARED_DIR = process.env.TWOSTAGE_SHARED_DIR ?? path.resolve(REPO_ROOT, '../shared');

/** Path below the shared folder; throws with the expected location when it is missing. */
export function sharedPath(...parts: string[]): string {
  const full = path.join(SHARED_DIR, ...parts);
  if (!existsSync(full)) {
    throw new Error(`missing test data ${full}: put the shared datasets beside the repository or set TWOSTAGE_SHARED_DIR`);
  }
  return full;
}
