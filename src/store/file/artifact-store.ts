import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { urlToPath } from '../open.js';
import type { ArtifactStore } from '../types.js';

/** Opens `file://DIR` as an artifact store; the folder is created on first write. */
export async function openFileArtifactStore(url: URL): Promise<FileArtifactStore> {
  return new FileArtifactStore(url.toString(), path.resolve(urlToPath(url)));
}

/** Empty file that marks a folder as one artifact key; hidden from `listFiles`. */
const KEY_MARKER = '.artifact';

/**
 * Artifacts as folders below a root folder. A directory is written under a temporary name in the
 * same folder and renamed into place, so a reader never sees a partial model; an existing key is
 * replaced by renaming the old folder aside first.
 */
export class FileArtifactStore implements ArtifactStore {
  readonly url: string;
  readonly root: string;

  constructor(url: string, root: string) {
    this.url = url;
    this.root = root;
  }

  async putDirectory(key: string, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
    const target = this.resolveKey(key);
    const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const temporary = `${target}.tmp-${suffix}`;
    await mkdir(temporary, { recursive: true });
    try {
      for (const [name, data] of files) {
        const file = this.resolveFile(temporary, name);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, data);
      }
      await writeFile(path.join(temporary, KEY_MARKER), '');
      if (existsSync(target)) {
        const old = `${target}.old-${suffix}`;
        await rename(target, old);
        await rename(temporary, target);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(temporary, target);
      }
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
    return target;
  }

  async getFile(key: string, file: string): Promise<Buffer> {
    const full = this.resolveFile(this.resolveKey(key), file);
    try {
      return await readFile(full);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `artifact file ${file} not found under key ${key} in ${this.url}`);
      }
      throw error;
    }
  }

  async listFiles(key: string): Promise<string[]> {
    const dir = this.resolveKey(key);
    if (!existsSync(dir)) return [];
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .filter((name) => name !== KEY_MARKER && !name.endsWith(`/${KEY_MARKER}`))
      .sort();
  }

  async listKeys(prefix = ''): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    const keys: string[] = [];
    const walk = async (dir: string, relative: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || /\.(tmp|old)-/.test(entry.name)) continue;
        const key = relative ? `${relative}/${entry.name}` : entry.name;
        // A folder with the marker is one key; its subfolders are its files, not further keys.
        if (existsSync(path.join(dir, entry.name, KEY_MARKER))) keys.push(key);
        else await walk(path.join(dir, entry.name), key);
      }
    };
    await walk(this.root, '');
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(path.join(this.resolveKey(key), KEY_MARKER))).isFile();
    } catch {
      return false;
    }
  }

  async deleteDirectory(key: string): Promise<void> {
    await rm(this.resolveKey(key), { recursive: true, force: true });
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async close(): Promise<void> {}

  private resolveKey(key: string): string {
    if (key === '' || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new ModelError('REC_ERR_MODEL_INVALID', `invalid artifact key "${key}": use non-empty segments separated by "/", without "." or ".."`);
    }
    return path.join(this.root, ...key.split('/'));
  }

  private resolveFile(dir: string, name: string): string {
    if (name === '' || name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new ModelError('REC_ERR_MODEL_INVALID', `invalid artifact file name "${name}"`);
    }
    return path.join(dir, ...name.split('/'));
  }
}
