import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteRegistryStore, type SqliteRegistryStore } from '../../src/store/sqlite/registry-store.js';
import type { ModelVersionRecord } from '../../src/store/types.js';

function record(kind: string, version: string, createdAt: number, stage: ModelVersionRecord['stage'] = 'staging'): ModelVersionRecord {
  return {
    kind,
    version,
    stage,
    createdAt,
    params: { factors: 64, objective: 'reg:squarederror' },
    metrics: { rmse: 0.93 },
    dataFingerprint: 'sha256:abc',
    artifactKey: `models/${kind}/${version}`,
    candidateVersion: kind === 'retrieval' ? `c-${version}` : null,
  };
}

describe('SqliteRegistryStore', () => {
  let dir: string;
  let store: SqliteRegistryStore;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-registry-'));
    store = await openSqliteRegistryStore(new URL(`sqlite://${dir}/registry.sqlite`));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips every field', async () => {
    const written = record('retrieval', 'v1', 1_000);
    await store.insertVersion(written);
    expect(await store.getVersion('retrieval', 'v1')).toEqual(written);
    expect(await store.getVersion('retrieval', 'v2')).toBeNull();
    expect(await store.getVersion('ranker', 'v1')).toBeNull();
  });

  it('rejects a duplicate version', async () => {
    await store.insertVersion(record('ranker', 'v1', 1_000));
    await expect(store.insertVersion(record('ranker', 'v1', 2_000))).rejects.toMatchObject({ code: 'REC_ERR_REGISTRY_CONFLICT' });
    await store.insertVersion(record('retrieval', 'v1', 2_000));
    expect(await store.listVersions()).toHaveLength(2);
  });

  it('lists newest first, per kind or all', async () => {
    await store.insertVersion(record('ranker', 'a', 1_000));
    await store.insertVersion(record('ranker', 'b', 3_000));
    await store.insertVersion(record('retrieval', 'c', 2_000));
    expect((await store.listVersions('ranker')).map((r) => r.version)).toEqual(['b', 'a']);
    expect((await store.listVersions()).map((r) => r.version)).toEqual(['b', 'c', 'a']);
  });

  it('applies stage changes in one transaction', async () => {
    await store.insertVersion(record('ranker', 'a', 1_000, 'production'));
    await store.insertVersion(record('ranker', 'b', 2_000));
    await expect(
      store.setStages([
        { kind: 'ranker', version: 'a', stage: 'archived' },
        { kind: 'ranker', version: 'missing', stage: 'production' },
      ]),
    ).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
    expect((await store.getVersion('ranker', 'a'))?.stage).toBe('production');

    await store.setStages([
      { kind: 'ranker', version: 'a', stage: 'archived' },
      { kind: 'ranker', version: 'b', stage: 'production' },
    ]);
    expect((await store.getVersion('ranker', 'a'))?.stage).toBe('archived');
    expect((await store.getVersion('ranker', 'b'))?.stage).toBe('production');
  });

  it('allows one production version per kind', async () => {
    await store.insertVersion(record('ranker', 'a', 1_000, 'production'));
    await store.insertVersion(record('ranker', 'b', 2_000));
    await expect(store.setStages([{ kind: 'ranker', version: 'b', stage: 'production' }])).rejects.toMatchObject({
      code: 'REC_ERR_REGISTRY_CONFLICT',
    });
    expect((await store.getVersion('ranker', 'b'))?.stage).toBe('staging');
  });

  it('rejects an unknown stage', async () => {
    await store.insertVersion(record('ranker', 'a', 1_000));
    await expect(store.setStages([{ kind: 'ranker', version: 'a', stage: 'live' as never }])).rejects.toMatchObject({
      code: 'REC_ERR_REQUEST_INVALID',
    });
  });

  it('keeps data across reopening', async () => {
    await store.insertVersion(record('ranker', 'a', 1_000));
    await store.close();
    store = await openSqliteRegistryStore(new URL(`sqlite://${dir}/registry.sqlite`));
    expect((await store.listVersions()).map((r) => r.version)).toEqual(['a']);
    await store.ping();
  });
});
