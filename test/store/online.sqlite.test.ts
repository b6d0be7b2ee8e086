import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteOnlineStore } from '../../src/store/sqlite/online-store.js';
import { onlineStoreConformance } from './online.conformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twostage-online-'));
let count = 0;

onlineStoreConformance('sqlite', {
  open: () => openSqliteOnlineStore(new URL(`sqlite://${dir}/online-${count++}.sqlite`)),
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
