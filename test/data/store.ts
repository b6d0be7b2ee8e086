import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDuckDbOfflineStore, type DuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';

/** Opens a DuckDB offline store in a fresh temporary folder; `cleanup` closes it and removes the folder. */
export async function openTempStore(): Promise<{ store: DuckDbOfflineStore; dir: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'twostage-data-'));
  const url = new URL(`duckdb://${pathToFileURL(path.join(dir, 'offline.duckdb')).pathname}`);
  const store = await openDuckDbOfflineStore(url);
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
