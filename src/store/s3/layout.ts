import { ModelError } from '../../errors.js';

/**
 * Object names of the S3 artifact store below the URL's prefix. A directory `key` is
 *   <prefix><key>/.twostage-directory.json   the marker: generation and file list, written last
 *   <prefix><key>/.twostage-gen-<generation>/<file>
 * so a reader follows the marker to one complete generation, and a replacement uploads a new
 * generation before it rewrites the marker (S3 PUTs of one object are atomic).
 */
export const MARKER_NAME = '.twostage-directory.json';
export const GENERATION_PREFIX = '.twostage-gen-';

export interface DirectoryMarker {
  readonly generation: string;
  readonly files: readonly string[];
  readonly writtenAt: number;
}

export function markerObject(root: string, key: string): string {
  return `${root}${key}/${MARKER_NAME}`;
}

export function generationFolder(root: string, key: string, generation: string): string {
  return `${root}${key}/${GENERATION_PREFIX}${generation}/`;
}

/** Returns the key a marker object belongs to, or null for an object that is not a marker of a key under `root`. */
export function keyOfMarker(root: string, objectName: string): string | null {
  if (!objectName.startsWith(root) || !objectName.endsWith(`/${MARKER_NAME}`)) return null;
  const key = objectName.slice(root.length, -(MARKER_NAME.length + 1));
  // A marker-named file inside a generation folder is payload, not a key.
  if (key === '' || key.split('/').some((part) => part.startsWith(GENERATION_PREFIX))) return null;
  return key;
}

export function validateKey(key: string): void {
  if (typeof key !== 'string' || key === '' || key.split('/').some((part) => part === '' || part === '.' || part === '..' || part.startsWith('.twostage-'))) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `invalid artifact key "${String(key)}": use non-empty segments separated by "/", without "." or "..", and none starting with ".twostage-"`);
  }
}

export function validateFileName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `invalid artifact file name "${String(name)}"`);
  }
}

/** Normalises the URL path to an object-name prefix: '' or 'a/b/'. */
export function rootPrefix(pathname: string): string {
  const trimmed = decodeURIComponent(pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
