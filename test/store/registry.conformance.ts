import { describe, expect } from 'vitest';
import type { ModelVersionRecord, RegistryStore } from '../../src/store/types.js';
import { defineCase, type StoreFactory } from './conformance.js';

function record(kind: string, version: string, createdAt: number, stage: ModelVersionRecord['stage'] = 'staging'): ModelVersionRecord {
  return {
    kind,
    version,
    stage,
    createdAt,
    params: { factors: 64, objective: 'reg:squarederror', nested: { list: [1, 2.5, 'x'], flag: true } },
    metrics: { rmse: 0.9312345678901234, 'ndcg@10': 0.25 },
    dataFingerprint: 'sha256:abc',
    artifactKey: `models/${kind}/${version}`,
    candidateVersion: kind === 'retrieval' ? `c-${version}` : null,
  };
}

/** Registers the RegistryStore contract for one backend. */
export function registryStoreConformance(name: string, factory: StoreFactory<RegistryStore>): void {
  describe(`RegistryStore conformance: ${name}`, () => {
    defineCase(factory, 'round-trips every field', async (store) => {
      const written = record('retrieval', 'v1', 1_733_000_000_123);
      await store.insertVersion(written);
      expect(await store.getVersion('retrieval', 'v1')).toEqual(written);
      expect(await store.getVersion('retrieval', 'v2')).toBeNull();
      expect(await store.getVersion('ranker', 'v1')).toBeNull();
    });

    defineCase(factory, 'rejects a duplicate version', async (store) => {
      await store.insertVersion(record('ranker', 'v1', 1_000));
      await expect(store.insertVersion(record('ranker', 'v1', 2_000))).rejects.toMatchObject({ code: 'REC_ERR_REGISTRY_CONFLICT' });
      await store.insertVersion(record('retrieval', 'v1', 2_000));
      expect(await store.listVersions()).toHaveLength(2);
      expect((await store.getVersion('ranker', 'v1'))?.createdAt).toBe(1_000);
    });

    defineCase(factory, 'lists newest first', async (store) => {
      await store.insertVersion(record('ranker', 'a', 1_000));
      await store.insertVersion(record('ranker', 'b', 3_000));
      await store.insertVersion(record('retrieval', 'c', 2_000));
      await store.insertVersion(record('ranker', 'd', 3_000));
      expect((await store.listVersions('ranker')).map((r) => r.version)).toEqual(['d', 'b', 'a']);
      expect((await store.listVersions()).map((r) => r.version)).toEqual(['d', 'b', 'c', 'a']);
      expect(await store.listVersions('unknown-kind')).toEqual([]);
    });

    defineCase(factory, 'setStages is all or nothing', async (store) => {
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

    defineCase(factory, 'one production version per kind', async (store) => {
      await store.insertVersion(record('ranker', 'a', 1_000, 'production'));
      await store.insertVersion(record('ranker', 'b', 2_000));
      await store.insertVersion(record('retrieval', 'c', 2_000, 'production'));
      await expect(store.setStages([{ kind: 'ranker', version: 'b', stage: 'production' }])).rejects.toMatchObject({ code: 'REC_ERR_REGISTRY_CONFLICT' });
      expect((await store.getVersion('ranker', 'b'))?.stage).toBe('staging');
      await expect(store.insertVersion(record('ranker', 'c', 3_000, 'production'))).rejects.toMatchObject({ code: 'REC_ERR_REGISTRY_CONFLICT' });
      expect(await store.getVersion('ranker', 'c')).toBeNull();
    });

    defineCase(factory, 'rejects an unknown stage', async (store) => {
      await store.insertVersion(record('ranker', 'a', 1_000));
      await expect(store.setStages([{ kind: 'ranker', version: 'a', stage: 'live' as never }])).rejects.toMatchObject({ code: 'REC_ERR_REQUEST_INVALID' });
      await expect(store.insertVersion(record('ranker', 'b', 1_000, 'live' as never))).rejects.toMatchObject({ code: 'REC_ERR_REQUEST_INVALID' });
      expect((await store.getVersion('ranker', 'a'))?.stage).toBe('staging');
    });

    defineCase(factory, 'ping and close are idempotent', async (store) => {
      await store.ping();
      await store.close();
      await store.close();
    });
  });
}
