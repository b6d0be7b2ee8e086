import { afterAll } from 'vitest';
import { openRedisCandidateStore } from '../../src/store/redis/candidate-store.js';
import { candidateStoreConformance } from './candidates.conformance.js';
import { deleteRedisPrefix, redisUrl, STORE_CONFIG } from './redis-helpers.js';

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
