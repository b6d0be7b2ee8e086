import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { openArtifactStore, openCandidateStore, openOfflineStore, openOnlineStore, openRegistryStore } from '../../src/store/open.js';
import { closedPort, startProxy, type ControlledProxy } from './net-helpers.js';
import { uniqueSuffix } from './conformance.js';

const TIMEOUT_MS = 400;

function config(endpoint = ''): Config {
  return {
    STORE_TIMEOUT_MS: TIMEOUT_MS,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  } as Config;
}

/** Checks the error names the store and the URL, hides the password and has the unavailable code. */
async function expectUnavailable(promise: Promise<unknown>, kind: string, maskedUrl: string): Promise<void> {
  const started = Date.now();
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { code?: string; message?: string } | null;
  expect(error, 'the call succeeded').not.toBeNull();
  expect(error!.code).toBe('REC_ERR_STORE_UNAVAILABLE');
  expect(error!.message).toContain(`${kind} store`);
  expect(error!.message).toContain(maskedUrl);
  expect(error!.message).not.toContain('hunter2');
  // Generous bound: the point is that the call ends instead of hanging.
  expect(Date.now() - started).toBeLessThan(20 * TIMEOUT_MS + 5_000);
}

describe('stores on a closed port', () => {
  it('redis names the store and masks the password', async () => {
    const port = await closedPort();
    const url = `redis://:hunter2@127.0.0.1:${port}/0`;
    await expectUnavailable(openOnlineStore(config(), url), 'online', `redis://:***@127.0.0.1:${port}/0`);
    await expectUnavailable(openCandidateStore(config(), url), 'candidate', `redis://:***@127.0.0.1:${port}/0`);
  });

  it('postgres names the store and masks the password', async () => {
    const port = await closedPort();
    const url = `postgres://postgres:hunter2@127.0.0.1:${port}/test`;
    const masked = `postgres://postgres:***@127.0.0.1:${port}/test`;
    await expectUnavailable(openOfflineStore(config(), url), 'offline', masked);
    await expectUnavailable(openOnlineStore(config(), url), 'online', masked);
    await expectUnavailable(openRegistryStore(config(), url), 'registry', masked);
  });

  it('dynamodb and s3 name the store', async () => {
    const port = await closedPort();
    await expectUnavailable(openCandidateStore(config(`http://127.0.0.1:${port}`), 'dynamodb://candidates'), 'candidate', 'dynamodb://candidates');
    await expectUnavailable(openOnlineStore(config(`http://127.0.0.1:${port}`), 'dynamodb://features'), 'online', 'dynamodb://features');
    await expectUnavailable(openArtifactStore(config(`http://127.0.0.1:${port}`), 's3://artifacts/models'), 'artifact', 's3://artifacts/models');
  });
});

describe('stores on a server that never answers', () => {
  const proxies: ControlledProxy[] = [];
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
  });

  it('opening times out', async () => {
    const silent = await startProxy(null);
    proxies.push(silent);
    await expectUnavailable(openOnlineStore(config(), `redis://127.0.0.1:${silent.port}/0`), 'online', `redis://127.0.0.1:${silent.port}/0`);
    await expectUnavailable(openRegistryStore(config(), `postgres://postgres@127.0.0.1:${silent.port}/test`), 'registry', `127.0.0.1:${silent.port}`);
    await expectUnavailable(openCandidateStore(config(`http://127.0.0.1:${silent.port}`), 'dynamodb://candidates'), 'candidate', 'dynamodb://candidates');
  });

  it('redis calls time out after the network stalls', async () => {
    const proxy = await startProxy({ host: '127.0.0.1', port: 6379 });
    proxies.push(proxy);
    const url = `redis://127.0.0.1:${proxy.port}/0?prefix=test:stall:${uniqueSuffix()}:`;
    const online = await openOnlineStore(config(), url);
    const candidates = await openCandidateStore(config(), url);
    try {
      expect(await online.getMany('users', ['u1'])).toEqual([null]);
      proxy.freeze();
      await expectUnavailable(online.getMany('users', ['u1']), 'online', `127.0.0.1:${proxy.port}`);
      await expectUnavailable(candidates.get('u1'), 'candidate', `127.0.0.1:${proxy.port}`);
      await expectUnavailable(online.ping(), 'online', `127.0.0.1:${proxy.port}`);
    } finally {
      await online.close();
      await candidates.close();
    }
  });

  it('postgres calls time out after the network stalls', async () => {
    const proxy = await startProxy({ host: '127.0.0.1', port: 5432 });
    proxies.push(proxy);
    const schema = `test_stall_${uniqueSuffix()}`.toLowerCase();
    const online = await openOnlineStore(config(), `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${schema}`);
    try {
      expect(await online.getMany('users', ['u1'])).toEqual([null]);
      proxy.freeze();
      await expectUnavailable(online.getMany('users', ['u1']), 'online', `127.0.0.1:${proxy.port}`);
    } finally {
      const closing = online.close();
      await proxy.close();
      await closing.catch(() => {});
      const cleanup = await openOnlineStore(config(), `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`);
      await cleanup.close();
      const { dropSchemas } = await import('./postgres-helpers.js');
      await dropSchemas([schema]);
    }
  });
});
