import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { openRedisCandidateStore } from '../../src/store/redis/candidate-store.js';
import { candidateStoreConformance } from './candidates.conformance.js';
import { deleteRedisPrefix, REDIS_BASE_URL, redisUrl, STORE_CONFIG } from './redis-helpers.js';

const prefixes: string[] = [];

candidateStoreConformance('redis', {
  async open() {
    // Few buckets keep the per-version key sweeps of the tests short.
    const url = redisUrl('cand', 'buckets=16');
    prefixes.push(url.searchParams.get('prefix')!);
    return openRedisCandidateStore(url, STORE_CONFIG);
  },
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisPrefix(prefix);
});

describe('RedisCandidateStore specifics', () => {
  const list = (userId: string, tag: string) => ({ userId, items: [{ itemId: `${tag}-1`, score: 2 }, { itemId: `${tag}-2`, score: 1 }] });

  async function open(extra: string) {
    const url = redisUrl('cand-extra', `buckets=4&${extra}`);
    const prefix = url.searchParams.get('prefix')!;
    prefixes.push(prefix);
    return { store: await openRedisCandidateStore(url, STORE_CONFIG), prefix };
  }

  async function ttls(prefix: string, version: string): Promise<number[]> {
    const redis = new Redis(REDIS_BASE_URL);
    try {
      const keys = await redis.keys(`${prefix}cand:{*}:${version}`);
      return Promise.all(keys.map((key) => redis.pttl(key)));
    } finally {
      await redis.quit();
    }
  }

  it('expires a replaced version after the grace period', async () => {
    const { store, prefix } = await open('graceSeconds=1');
    try {
      for (const version of ['v1', 'v2']) {
        const writer = await store.beginVersion(version);
        await writer.write([list('u1', version), list('u2', version)]);
        await writer.commit();
        await store.activate(version);
      }
      const v1 = await ttls(prefix, 'v1');
      expect(v1.length).toBeGreaterThan(0);
      for (const ttl of v1) expect(ttl).toBeGreaterThan(0);
      for (const ttl of await ttls(prefix, 'v2')) expect(ttl).toBe(-1);
      expect(await store.get('u1', 'v1')).toEqual(list('u1', 'v1').items);

      await new Promise((resolve) => setTimeout(resolve, 1_300));
      expect(await store.get('u1', 'v1')).toBeNull();
      expect(await store.listVersions()).toEqual(['v2']);
      const next = await store.beginVersion('v3');
      await next.abort();
      const redis = new Redis(REDIS_BASE_URL);
      const meta = await redis.hgetall(`${prefix}cand:meta`);
      await redis.quit();
      expect(Object.keys(meta).sort()).toEqual(['active', 'v:v2']);
    } finally {
      await store.close();
    }
  });

  it('reactivating a retiring version keeps it', async () => {
    const { store, prefix } = await open('graceSeconds=60');
    try {
      for (const version of ['v1', 'v2']) {
        const writer = await store.beginVersion(version);
        await writer.write([list('u1', version)]);
        await writer.commit();
        await store.activate(version);
      }
      await store.activate('v1');
      for (const ttl of await ttls(prefix, 'v1')) expect(ttl).toBe(-1);
      for (const ttl of await ttls(prefix, 'v2')) expect(ttl).toBeGreaterThan(0);
      expect(await store.get('u1')).toEqual(list('u1', 'v1').items);
    } finally {
      await store.close();
    }
  });

  it('unfinished version expires unless committed', async () => {
    const { store, prefix } = await open('abandonSeconds=600');
    try {
      const writer = await store.beginVersion('v1');
      await writer.write([list('u1', 'v1')]);
      const pending = await ttls(prefix, 'v1');
      expect(pending.length).toBeGreaterThan(0);
      for (const ttl of pending) expect(ttl).toBeGreaterThan(500_000);
      await writer.commit();
      for (const ttl of await ttls(prefix, 'v1')) expect(ttl).toBe(-1);
    } finally {
      await store.close();
    }
  });

  it('reads candidates in one command', async () => {
    const { store, prefix } = await open('refreshMs=60000');
    const monitor = new Redis(REDIS_BASE_URL);
    try {
      const writer = await store.beginVersion('v1');
      await writer.write([list('u1', 'v1')]);
      await writer.commit();
      await store.activate('v1');
      const seen: string[][] = [];
      const feed = await monitor.monitor();
      feed.on('monitor', (_time: string, args: string[]) => {
        if (args.some((arg) => arg.startsWith(prefix))) seen.push(args);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await store.get('u1')).toEqual(list('u1', 'v1').items);
      await new Promise((resolve) => setTimeout(resolve, 200));
      feed.disconnect();
      expect(seen.map((args) => args[0].toLowerCase())).toEqual(['hget']);
    } finally {
      monitor.disconnect();
      await store.close();
    }
  });
});
