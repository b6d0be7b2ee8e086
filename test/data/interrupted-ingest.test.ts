import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../src/data/dataset.js';
import { openDuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');

/** Runs `twostage ingest` in WORKDIR; with `killOnStart`, sends SIGKILL as soon as the ingest logs its start. */
function ingest(workdir: string, files: string[], killOnStart = false): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ingest', ...files], { env: { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'info' }, cwd: workdir });
    child.stderr.on('data', (chunk: Buffer) => {
      if (killOnStart && chunk.toString().includes('ingest started')) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

describe.skipIf(!existsSync(CLI))('interrupted ingest', () => {
  it('leaves the previous dataset after SIGKILL', async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), 'twostage-kill-'));
    try {
      expect(await ingest(workdir, [sharedPath('cases/B14/reviews.jsonl')])).toBe(0);
      expect(await ingest(workdir, [sharedPath('data/uci-online-retail/online_retail.csv.gz')], true)).toBeNull();

      const store = await openDuckDbOfflineStore(new URL(`duckdb://${path.join(workdir, 'offline.duckdb')}`));
      try {
        const data = await loadDataset(store);
        expect(data.info.format).toBe('amazon2023');
        expect(data.interactions.userIds).toEqual(['UX1401', 'UX1402', 'UX1403']);
        expect(await store.hasTable('dataset_interactions__staging')).toBe(false);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });
});
