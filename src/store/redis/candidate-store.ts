import type { Config } from '../../config/load.js';
import { ModelError, TwostageError } from '../../errors.js';
import { decodeCandidates, encodeCandidates, hashString, validateCandidateList } from '../remote/candidate-codec.js';
import { guard } from '../remote/guard.js';
import { orderByCommitTime, validateVersionName } from '../remote/version-name.js';
import type { Candidate, CandidateList, CandidateStore, CandidateVersionWriter } from '../types.js';
import { ACTIVATE, BEGIN, COMMIT, FORGET, READ_ACTIVE } from './candidate-scripts.js';
import { closeRedis, connectRedis, type RedisConnection } from './connection.js';

/** Bucket keys per UNLINK, PERSIST or PEXPIREAT batch. */
const KEY_BATCH = 512;
/** Candidate lists per write round trip. */
const WRITE_CHUNK = 2_000;

interface VersionInfo {
  state: 'writing' | 'committed';
  buckets: number;
  startedAt: number;
  touchedAt: number;
  committedAt?: number;
  retireAt?: number;
}

type ScriptClient = Record<string, (...args: (string | number)[]) => Promise<unknown>>;

/** Opens `redis://host:port[/db]?prefix=…` as a candidate store (see ./connection.ts for the other query parameters). */
export async function openRedisCandidateStore(url: URL, config: Pick<Config, 'STORE_TIMEOUT_MS'>): Promise<RedisCandidateStore> {
  return new RedisCandidateStore(url.toString(), await connectRedis('candidate', url, config.STORE_TIMEOUT_MS));
}

/**
 * Candidate store on Redis. A version is spread over `buckets` hashes,
 * `<prefix>cand:{<bucket>}:<version>`, field = user id, value = the binary candidate list; the
 * bucket is a hash of the user id, and the hash tag keeps a user's entries of every version on one
 * Redis Cluster slot. `get` is one HGET, so one round trip.
 *
 * Versions are listed in the hash `<prefix>cand:meta`; scripts on that one key flip `active`
 * atomically. After a flip, every other committed version stays readable for `graceSeconds`
 * and then expires (key TTL), so versions never pile up. A reader caches the active version
 * and rechecks it every `refreshMs`, so a flip made by another process is seen within that time,
 * well inside the grace period in which the old version is still complete.
 */
export class RedisCandidateStore implements CandidateStore {
  readonly url: string;
  private readonly connection: RedisConnection;
  private readonly scripts: ScriptClient;
  private cachedActive: { version: string | null; buckets: number; readAt: number } | null = null;
  private readonly bucketCounts = new Map<string, number>();

  constructor(url: string, connection: RedisConnection) {
    this.url = url;
    this.connection = connection;
    const client = connection.client;
    client.defineCommand('twostageActivate', { numberOfKeys: 1, lua: ACTIVATE });
    client.defineCommand('twostageBegin', { numberOfKeys: 1, lua: BEGIN });
    client.defineCommand('twostageCommit', { numberOfKeys: 1, lua: COMMIT });
    client.defineCommand('twostageReadActive', { numberOfKeys: 1, lua: READ_ACTIVE });
    client.defineCommand('twostageForget', { numberOfKeys: 1, lua: FORGET });
    this.scripts = client as unknown as ScriptClient;
  }

  async beginVersion(version: string): Promise<CandidateVersionWriter> {
    validateVersionName(version);
    await this.sweep();
    const buckets = await this.call(`begin version ${version}`, async () => {
      try {
        return Number(await this.scripts.twostageBegin(this.metaKey(), version, Date.now(), this.connection.options.buckets));
      } catch (error) {
        throw scriptError(error, version, this.url);
      }
    });
    this.bucketCounts.set(version, buckets);
    return new RedisVersionWriter(this, version, buckets);
  }

  async activate(version: string): Promise<void> {
    validateVersionName(version);
    const now = Date.now();
    const graceMs = this.connection.options.graceSeconds * 1_000;
    const result = await this.call(`activate version ${version}`, async () => {
      try {
        return (await this.scripts.twostageActivate(this.metaKey(), version, now, graceMs)) as string[];
      } catch (error) {
        throw scriptError(error, version, this.url);
      }
    });
    const buckets = (await this.bucketsOf(version)) ?? this.connection.options.buckets;
    if (Number(result[0]) === 1) await this.forEachBucketBatch(version, buckets, 'persist', (keys) => keys.map((k) => this.connection.client.persist(k)));
    for (let i = 1; i < result.length; i += 2) {
      const retired = result[i];
      await this.forEachBucketBatch(retired, Number(result[i + 1]), 'expire', (keys) =>
        keys.map((k) => this.connection.client.pexpireat(k, now + graceMs)),
      );
    }
    this.cachedActive = { version, buckets, readAt: Date.now() };
  }

  async activeVersion(): Promise<string | null> {
    return (await this.readActive()).version;
  }

  async listVersions(): Promise<string[]> {
    const versions = await this.readVersions();
    const now = Date.now();
    return orderByCommitTime([...versions.entries()].filter(([, info]) => info.state === 'committed' && !(info.retireAt !== undefined && info.retireAt <= now)));
  }

  async get(userId: string, version?: string): Promise<Candidate[] | null> {
    let name: string | null;
    let buckets: number | undefined;
    if (version === undefined) {
      const active = await this.cachedActiveVersion();
      name = active.version;
      buckets = active.buckets;
    } else {
      name = version;
      buckets = await this.bucketsOf(version);
    }
    if (name === null || buckets === undefined) return null;
    const payload = await this.call(`read candidates of user ${userId}`, () =>
      this.connection.client.hgetBuffer(this.bucketKey(name, bucketOf(userId, buckets)), userId),
    );
    return payload ? decodeCandidates(payload) : null;
  }

  async deleteVersion(version: string): Promise<void> {
    validateVersionName(version);
    const buckets = await this.bucketsOf(version);
    const forgotten = await this.call(`delete version ${version}`, () => this.scripts.twostageForget(this.metaKey(), version));
    if (Number(forgotten) === 0) {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is active in ${this.url}; activate another version before deleting it`);
    }
    if (buckets !== undefined) await this.unlinkBuckets(version, buckets);
    this.bucketCounts.delete(version);
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.connection.client.ping());
  }

  async close(): Promise<void> {
    await closeRedis(this.connection.client);
  }

  /** Writes lists of one version: one HSET per bucket touched, all in one round trip. */
  async writeLists(version: string, buckets: number, lists: readonly CandidateList[]): Promise<void> {
    lists.forEach((list, i) => validateCandidateList(list, i));
    const expireMs = this.connection.options.abandonSeconds * 1_000;
    for (let start = 0; start < lists.length; start += WRITE_CHUNK) {
      const byBucket = new Map<number, (string | Buffer)[]>();
      for (const list of lists.slice(start, start + WRITE_CHUNK)) {
        const bucket = bucketOf(list.userId, buckets);
        let args = byBucket.get(bucket);
        if (!args) byBucket.set(bucket, (args = []));
        args.push(list.userId, encodeCandidates(list));
      }
      await this.call(`write ${Math.min(WRITE_CHUNK, lists.length - start)} candidate lists of version ${version}`, async () => {
        const client = this.connection.client;
        const writes: Promise<unknown>[] = [];
        for (const [bucket, args] of byBucket) {
          const key = this.bucketKey(version, bucket);
          writes.push(client.hset(key, ...(args as [string, Buffer])), client.pexpire(key, expireMs));
        }
        await Promise.all(writes);
      });
    }
  }

  async commitVersion(version: string, buckets: number): Promise<void> {
    await this.forEachBucketBatch(version, buckets, 'persist', (keys) => keys.map((k) => this.connection.client.persist(k)));
    await this.call(`commit version ${version}`, async () => {
      try {
        await this.scripts.twostageCommit(this.metaKey(), version, Date.now());
      } catch (error) {
        throw scriptError(error, version, this.url);
      }
    });
  }

  async abortVersion(version: string, buckets: number): Promise<void> {
    await this.unlinkBuckets(version, buckets);
    await this.call(`abort version ${version}`, () => this.connection.client.hdel(this.metaKey(), `v:${version}`));
    this.bucketCounts.delete(version);
  }

  private async cachedActiveVersion(): Promise<{ version: string | null; buckets: number }> {
    const cached = this.cachedActive;
    if (cached && Date.now() - cached.readAt < this.connection.options.refreshMs) return cached;
    return this.readActive();
  }

  private async readActive(): Promise<{ version: string | null; buckets: number }> {
    const reply = (await this.call('read the active version', () => this.scripts.twostageReadActive(this.metaKey()))) as string[];
    const version = reply.length > 0 ? reply[0] : null;
    const buckets = reply.length > 1 && reply[1] !== '' ? (JSON.parse(reply[1]) as VersionInfo).buckets : this.connection.options.buckets;
    this.cachedActive = { version, buckets, readAt: Date.now() };
    return this.cachedActive;
  }

  private async bucketsOf(version: string): Promise<number | undefined> {
    const known = this.bucketCounts.get(version);
    if (known !== undefined) return known;
    const raw = await this.call(`read version ${version}`, () => this.connection.client.hget(this.metaKey(), `v:${version}`));
    if (raw === null) return undefined;
    const buckets = (JSON.parse(raw) as VersionInfo).buckets;
    this.bucketCounts.set(version, buckets);
    return buckets;
  }

  private async readVersions(): Promise<Map<string, VersionInfo>> {
    const all = await this.call('list versions', () => this.connection.client.hgetall(this.metaKey()));
    const versions = new Map<string, VersionInfo>();
    for (const [field, value] of Object.entries(all)) {
      if (field.startsWith('v:')) versions.set(field.slice(2), JSON.parse(value) as VersionInfo);
    }
    return versions;
  }

  /** Drops metadata of versions past their grace period and of unfinished versions abandoned by a writer. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    const abandonMs = this.connection.options.abandonSeconds * 1_000;
    for (const [name, info] of await this.readVersions()) {
      const retired = info.retireAt !== undefined && info.retireAt <= now;
      const abandoned = info.state === 'writing' && info.touchedAt + abandonMs <= now;
      if (!retired && !abandoned) continue;
      const forgotten = await this.call(`forget version ${name}`, () => this.scripts.twostageForget(this.metaKey(), name));
      if (Number(forgotten) === 1) await this.unlinkBuckets(name, info.buckets);
    }
  }

  private async unlinkBuckets(version: string, buckets: number): Promise<void> {
    await this.forEachBucketBatch(version, buckets, 'delete', (keys) => keys.map((k) => this.connection.client.unlink(k)));
  }

  private async forEachBucketBatch(version: string, buckets: number, operation: string, run: (keys: string[]) => Promise<unknown>[]): Promise<void> {
    for (let start = 0; start < buckets; start += KEY_BATCH) {
      const keys: string[] = [];
      for (let b = start; b < Math.min(buckets, start + KEY_BATCH); b++) keys.push(this.bucketKey(version, b));
      await this.call(`${operation} keys of version ${version}`, () => Promise.all(run(keys)));
    }
  }

  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return guard(this.connection.context, operation, run);
  }

  private metaKey(): string {
    return `${this.connection.options.prefix}cand:meta`;
  }

  private bucketKey(version: string, bucket: number): string {
    return `${this.connection.options.prefix}cand:{${bucket}}:${version}`;
  }
}

class RedisVersionWriter implements CandidateVersionWriter {
  readonly version: string;
  private readonly store: RedisCandidateStore;
  private readonly buckets: number;

  constructor(store: RedisCandidateStore, version: string, buckets: number) {
    this.store = store;
    this.version = version;
    this.buckets = buckets;
  }

  write(lists: readonly CandidateList[]): Promise<void> {
    return this.store.writeLists(this.version, this.buckets, lists);
  }

  commit(): Promise<void> {
    return this.store.commitVersion(this.version, this.buckets);
  }

  abort(): Promise<void> {
    return this.store.abortVersion(this.version, this.buckets);
  }
}

function bucketOf(userId: string, buckets: number): number {
  return hashString(userId) % buckets;
}

/** Maps the scripts' error replies to project errors. */
function scriptError(error: unknown, version: string, url: string): unknown {
  const message = (error as Error)?.message ?? '';
  if (message.includes('NOT_FOUND')) return new ModelError('REC_ERR_MODEL_NOT_FOUND', `candidate version ${version} not found in ${url}`);
  if (message.includes('NOT_COMMITTED')) return new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is not committed yet in ${url}; commit it before activating`);
  if (message.includes('NOT_WRITING')) return new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is already committed in ${url}`);
  if (message.includes('EXISTS')) return new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} already exists in ${url}; write under a new version`);
  return error;
}
