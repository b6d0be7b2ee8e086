import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDuckDbOfflineStore } from '../../src/store/duckdb/offline-store.js';
import { offlineStoreConformance } from './offline.conformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twostage-offline-'));
let count = 0;

offlineStoreConformance('duckdb', {
  open: () => openDuckDbOfflineStore(new URL(`duckdb://${dir}/offline-${count++}.duckdb`)),
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
