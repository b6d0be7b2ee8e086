import { Redis } from 'ioredis';
import { uniqueSuffix } from './conformance.js';

export const REDIS_BASE_URL = process.env.TWOSTAGE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const STORE_CONFIG = { STORE_TIMEOUT_MS: 5_000 };

/** Builds a Redis URL with a fresh key prefix, so parallel test runs never see each other's keys. */
export function redisUrl(label: string, extra = ''): URL {
  const url = new URL(REDIS_BASE_URL);
  url.searchParams.set('prefix', `test:${label}:${uniqueSuffix()}:`);
  for (const [key, value] of new URLSearchParams(extra)) url.searchParams.set(key, value);
  return url;
}

/** Deletes every key under a prefix. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_BASE_URL, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
