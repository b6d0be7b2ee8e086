import { afterAll } from 'vitest';
import { openRedisOnlineStore } from '../../src/store/redis/online-store.js';
import { onlineStoreConformance } from './online.conformance.js';
import { deleteRedisPrefix, redisUrl, STORE_CONFIG } from './redis-helpers.js';

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
