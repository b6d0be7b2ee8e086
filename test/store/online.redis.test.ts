import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { openRedisOnlineStore } from '../../src/store/redis/online-store.js';
import { onlineStoreConformance } from './online.conformance.js';
import { deleteRedisPrefix, REDIS_BASE_URL, redisUrl, STORE_CONFIG } from './redis-helpers.js';

const prefixes: string[] = [];

onlineStoreConformance('redis', {
  async open() {
    const url = redisUrl('online');
    prefixes.push(url.searchParams.get('prefix')!);
    return openRedisOnlineStore(url, STORE_CONFIG);
  },
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisPrefix(prefix);
});

it('reads a feature batch in one command', async () => {
  const url = redisUrl('online-extra');
  const prefix = url.searchParams.get('prefix')!;
  prefixes.push(prefix);
  const store = await openRedisOnlineStore(url, STORE_CONFIG);
  const monitor = new Redis(REDIS_BASE_URL);
  try {
    const ids = Array.from({ length: 100 }, (_, i) => `item${i}`);
    await store.putLatest('items', ids.map((entityId, i) => ({ entityId, eventTime: i, createdTime: i, values: { i } })));
    const seen: string[] = [];
    const feed = await monitor.monitor();
    feed.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => arg.startsWith(prefix))) seen.push(args[0].toLowerCase());
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const got = await store.getMany('items', ids);
    await new Promise((resolve) => setTimeout(resolve, 200));
    feed.disconnect();
    expect(got.map((r) => r?.values.i)).toEqual(ids.map((_, i) => i));
    expect(seen).toEqual(['hmget']);
  } finally {
    monitor.disconnect();
    await store.close();
  }
});
