import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteCandidateStore } from '../../src/store/sqlite/candidate-store.js';
import { candidateStoreConformance } from './candidates.conformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twostage-candidates-'));
let count = 0;

candidateStoreConformance('sqlite', {
  open: () => openSqliteCandidateStore(new URL(`sqlite://${dir}/candidates-${count++}.sqlite`)),
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
