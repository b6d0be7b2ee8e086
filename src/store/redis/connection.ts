import { Redis, Cluster, type RedisOptions } from 'ioredis';
import { StoreError } from '../../errors.js';
import { callContext, guard, unavailableError, type CallContext } from '../remote/guard.js';

/** Settings of a `redis://` or `rediss://` store URL, from its query string. */
export interface RedisUrlOptions {
  /** Prepended to every key, so several deployments or test runs share one server (`?prefix=ts:`). */
  readonly prefix: string;
  /** Connect with the Redis Cluster client, using the URL host as the seed node (`?cluster=true`). */
  readonly cluster: boolean;
  /** Candidate store: hashes each version is spread over (`?buckets=1024`). */
  readonly buckets: number;
  /** Candidate store: seconds a replaced version stays readable after `activate` (`?graceSeconds=3600`). */
  readonly graceSeconds: number;
  /** Candidate store: seconds an unfinished version survives without a write, so a crashed writer leaves nothing behind (`?abandonSeconds=86400`). */
  readonly abandonSeconds: number;
  /** Candidate store: how often a reader rechecks the active version another process may have flipped, ms (`?refreshMs=1000`). */
  readonly refreshMs: number;
}

export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly options: RedisUrlOptions;
  readonly context: CallContext;
}

const QUERY_KEYS = new Set(['prefix', 'cluster', 'buckets', 'graceSeconds', 'abandonSeconds', 'refreshMs']);

export function parseRedisUrl(url: URL): RedisUrlOptions {
  for (const key of url.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) {
      throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `unknown query parameter "${key}" in Redis store URL; supported: ${[...QUERY_KEYS].join(', ')}`);
    }
  }
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = url.searchParams.get(key);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid ${key}=${raw} in Redis store URL: expected an integer from ${min} to ${max}`);
    }
    return value;
  };
  return {
    prefix: url.searchParams.get('prefix') ?? 'twostage:',
    cluster: url.searchParams.get('cluster') === 'true',
    buckets: integer('buckets', 1024, 1, 65_536),
    graceSeconds: integer('graceSeconds', 3_600, 1, 30 * 86_400),
    abandonSeconds: integer('abandonSeconds', 86_400, 60, 30 * 86_400),
    refreshMs: integer('refreshMs', 1_000, 0, 3_600_000),
  };
}

/**
 * Connects to Redis and checks that the server replies to PING. Every command has `timeoutMs` as its limit.
 * Commands go out as they are issued, without waiting for earlier replies, so the commands of one
 * tick still share one round trip.
 *
 * ioredis's auto-pipelining is off for one server: it wraps each tick's commands in a Pipeline
 * object, and at 1,000 requests/s those objects outlived young-generation collections. With it, the
 * serving benchmark on Redis promoted about 5 MB/s to the old generation, ran a mark-compact every
 * few seconds and had scavenge pauses twice as long. Its paced p99 was 13.6 ms with it and 3.6 ms
 * without it (docs/benchmarks.md). The cluster client keeps it, because it is how that client
 * groups a tick's commands by node.
 */
export async function connectRedis(kind: string, url: URL, timeoutMs: number): Promise<RedisConnection> {
  const options = parseRedisUrl(url);
  const context = callContext(kind, url, timeoutMs);
  const database = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(database) || database < 0) {
    throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid database number "${url.pathname.slice(1)}" in ${context.maskedUrl}: expected redis://host:port/N`);
  }
  const redisOptions: RedisOptions = {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: database,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: false,
    // Reconnect in the background after an outage, at most every 2 s; calls fail fast meanwhile.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  };
  // NOTE: the cluster client is untested here (the tests run against one Redis server); the key
  // layout keeps every command and script on one slot, which is what a cluster requires.
  const client = options.cluster
    ? new Cluster([{ host: redisOptions.host, port: redisOptions.port }], { redisOptions, lazyConnect: true, enableAutoPipelining: true })
    : new Redis(redisOptions);
  // Connection errors surface through the calls; without a listener ioredis would print each retry.
  let socketError: unknown;
  client.on('error', (error: unknown) => {
    socketError = error;
  });
  try {
    await guard(context, 'connect', async () => {
      await client.connect();
      await client.ping();
    });
  } catch (error) {
    client.disconnect();
    // ioredis reports "Connection is closed", so the socket error (refused, unknown host) gives the cause.
    if (socketError !== undefined && !(error instanceof StoreError && /timed out/.test(error.message))) throw unavailableError(context, 'connect', socketError);
    throw error;
  }
  return { client, options, context };
}

/** Closes a connection; a second call does nothing. */
export async function closeRedis(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
