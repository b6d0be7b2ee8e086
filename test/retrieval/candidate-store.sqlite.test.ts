import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteCandidateStore } from '../../src/store/sqlite/candidate-store.js';
import { candidateStoreConformance } from '../store/candidates.conformance.js';

const root = mkdtempSync(path.join(tmpdir(), 'twostage-candidates-'));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshUrl(): URL {
  counter += 1;
  return new URL(`sqlite://${path.join(root, `candidates-${counter}.sqlite`)}`);
}

candidateStoreConformance('sqlite', { open: () => openSqliteCandidateStore(freshUrl()) });

describe('SqliteCandidateStore specifics', () => {
  it('second connection sees only activated versions', async () => {
    const url = freshUrl();
    const writer = await openSqliteCandidateStore(url);
    const reader = await openSqliteCandidateStore(url);
    try {
      const v1 = await writer.beginVersion('v1');
      await v1.write([{ userId: 'u1', items: [{ itemId: 'a', score: 1 }] }]);
      expect(await reader.get('u1')).toBeNull();
      await v1.commit();
      expect(await reader.get('u1')).toBeNull();
      await writer.activate('v1');
      expect(await reader.get('u1')).toEqual([{ itemId: 'a', score: 1 }]);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('rejects a duplicate version name', async () => {
    const store = await openSqliteCandidateStore(freshUrl());
    try {
      await store.beginVersion('v1');
      await expect(store.beginVersion('v1')).rejects.toThrow(/candidate version v1 already exists/);
    } finally {
      await store.close();
    }
  });

  it('invalid list leaves the version empty', async () => {
    const store = await openSqliteCandidateStore(freshUrl());
    try {
      const writer = await store.beginVersion('v1');
      const lists = [
        { userId: 'u1', items: [{ itemId: 'a', score: 1 }] },
        { userId: 'u2', items: [{ itemId: 'b', score: Number.NaN }] },
      ];
      await expect(writer.write(lists)).rejects.toThrow(/non-finite score/);
      await writer.commit();
      expect(await store.get('u1', 'v1')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('writes after commit are rejected', async () => {
    const store = await openSqliteCandidateStore(freshUrl());
    try {
      const writer = await store.beginVersion('v1');
      await writer.commit();
      await expect(writer.write([{ userId: 'u1', items: [] }])).rejects.toThrow(/already committed/);
    } finally {
      await store.close();
    }
  });
});
