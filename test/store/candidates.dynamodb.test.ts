import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDynamoCandidateStore } from '../../src/store/dynamodb/candidate-store.js';
import { openDynamoOnlineStore } from '../../src/store/dynamodb/online-store.js';
import { candidateStoreConformance } from './candidates.conformance.js';
import { uniqueSuffix } from './conformance.js';
import { localAwsConfig, startDynalite, type LocalServer } from './dynalite-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(() => server.close());

candidateStoreConformance('dynamodb', {
  open: () => openDynamoCandidateStore(new URL(`dynamodb://candidates_${uniqueSuffix()}`), localAwsConfig(server.endpoint)),
});

describe('DynamoCandidateStore specifics', () => {
  it('splits a list above the item limit', async () => {
    const store = await openDynamoCandidateStore(new URL(`dynamodb://candidates_${uniqueSuffix()}`), localAwsConfig(server.endpoint));
    try {
      // About 4,000 × (120-byte id + 8-byte score) ≈ 520 KB: two parts.
      const long = Array.from({ length: 4_000 }, (_, i) => ({ itemId: `${'x'.repeat(112)}-${String(i).padStart(6, '0')}`, score: 4_000 - i }));
      const short = [{ itemId: 'only', score: 1 }];
      const writer = await store.beginVersion('v1');
      await writer.write([{ userId: 'heavy', items: long }]);
      await writer.write([{ userId: 'heavy', items: short }]);
      await writer.write([{ userId: 'heavy2', items: long }]);
      await writer.commit();
      await store.activate('v1');
      expect(await store.get('heavy')).toEqual(short);
      expect(await store.get('heavy2')).toEqual(long);
    } finally {
      await store.close();
    }
  });

  it('deletes a retired version on the next write', async () => {
    const store = await openDynamoCandidateStore(new URL(`dynamodb://candidates_${uniqueSuffix()}?graceSeconds=0`), localAwsConfig(server.endpoint));
    try {
      for (const version of ['v1', 'v2']) {
        const writer = await store.beginVersion(version);
        await writer.write([{ userId: 'u1', items: [{ itemId: version, score: 1 }] }]);
        await writer.commit();
        await store.activate(version);
      }
      expect(await store.listVersions()).toEqual(['v2']);
      expect(await store.get('u1', 'v1')).toEqual([{ itemId: 'v1', score: 1 }]);
      const next = await store.beginVersion('v3');
      expect(await store.get('u1', 'v1')).toBeNull();
      await next.abort();
      expect(await store.get('u1')).toEqual([{ itemId: 'v2', score: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('rejects a table with other keys', async () => {
    const table = `shared_${uniqueSuffix()}`;
    const features = await openDynamoOnlineStore(new URL(`dynamodb://${table}`), localAwsConfig(server.endpoint));
    await features.close();
    await expect(openDynamoCandidateStore(new URL(`dynamodb://${table}`), localAwsConfig(server.endpoint))).rejects.toThrow(/entity_id.*user_id|separate table/);
  });

  it('rejects reserved user ids', async () => {
    const store = await openDynamoCandidateStore(new URL(`dynamodb://candidates_${uniqueSuffix()}`), localAwsConfig(server.endpoint));
    try {
      const writer = await store.beginVersion('v1');
      await expect(writer.write([{ userId: '#twostage#meta', items: [] }])).rejects.toThrow(/reserved/);
      await writer.abort();
    } finally {
      await store.close();
    }
  });
});
