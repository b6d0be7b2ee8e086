import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteRegistryStore } from '../../src/store/sqlite/registry-store.js';
import { registryStoreConformance } from './registry.conformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twostage-registry-'));
let count = 0;

registryStoreConformance('sqlite', {
  open: () => openSqliteRegistryStore(new URL(`sqlite://${dir}/registry-${count++}.sqlite`)),
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
