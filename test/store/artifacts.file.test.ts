import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openFileArtifactStore } from '../../src/store/file/artifact-store.js';
import { artifactStoreConformance } from './artifacts.conformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'twostage-artifacts-'));
let count = 0;

artifactStoreConformance('file', {
  open: () => openFileArtifactStore(new URL(`file://${dir}/root-${count++}`)),
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
