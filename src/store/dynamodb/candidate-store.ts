import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { ModelError, TwostageError } from '../../errors.js';
import { decodeCandidates, encodeCandidates, validateCandidateList } from '../remote/candidate-codec.js';
import { orderByCommitTime, validateVersionName } from '../remote/version-name.js';
import type { Candidate, CandidateList, CandidateStore, CandidateVersionWriter } from '../types.js';
import { batchWrite, deleteMatching, MAX_ITEM_BYTES, queryAll } from './batch.js';
import { connectDynamo, type AwsConfig, type DynamoConnection } from './client.js';
import { ensureMeta, META_USER, readMeta, updateMeta } from './candidate-meta.js';

/** Payload bytes per item; the rest of the 400 KB item limit is left for keys and attribute names. */
const PART_BYTES = MAX_ITEM_BYTES - 8 * 1024;
/** Maximum user id length in bytes: DynamoDB's partition key limit. */
const MAX_USER_ID_BYTES = 2048;
const DEFAULT_GRACE_SECONDS = 3_600;

/** Opens `dynamodb://TABLE[?create=false&concurrency=8&graceSeconds=3600&endpoint=URL]` as a candidate store. */
export async function openDynamoCandidateStore(url: URL, config: AwsConfig): Promise<DynamoCandidateStore> {
  const graceSeconds = Number(url.searchParams.get('graceSeconds') ?? DEFAULT_GRACE_SECONDS);
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0) {
    throw new TypeError(`invalid graceSeconds=${url.searchParams.get('graceSeconds')} in DynamoDB store URL: expected a whole number of seconds`);
  }
  const connection = await connectDynamo('candidate', url, config, { partition: 'user_id', sort: 'sk' });
  return new DynamoCandidateStore(url.toString(), connection, graceSeconds * 1_000);
}

/**
 * Candidate store on one DynamoDB table: partition key `user_id`, sort key `sk` =
 * `<version>#<part>`. A list is the binary candidate encoding, split into parts when it would
 * exceed the 400 KB item limit. Part 0 records the part count, so parts left by an earlier, longer
 * write of the same user are ignored. `get` is one Query on the user's partition.
 *
 * Versions and the active one live in one metadata item, changed by conditional updates, so a
 * flip is atomic. After a flip, the other committed versions are kept `graceSeconds` and then
 * deleted by the next `beginVersion` (a table scan, run once per pipeline run). The active version
 * is cached by each reader for `ACTIVE_REFRESH_MS`, far inside the grace period.
 */
export class DynamoCandidateStore implements CandidateStore {
  readonly url: string;
  private readonly connection: DynamoConnection;
  private readonly graceMs: number;
  private cachedActive: { version: string | null; readAt: number } | null = null;
  private closed = false;

  constructor(url: string, connection: DynamoConnection, graceMs: number) {
    this.url = url;
    this.connection = connection;
    this.graceMs = graceMs;
  }

  async beginVersion(version: string): Promise<CandidateVersionWriter> {
    validateVersionName(version);
    await ensureMeta(this.connection);
    await this.sweep();
    const now = Date.now();
    const started = await updateMeta(this.connection, `begin version ${version}`, {
      expression: 'SET versions.#v = :info',
      condition: 'attribute_not_exists(versions.#v)',
      names: { '#v': version },
      values: { ':info': { M: { state: { S: 'writing' }, startedAt: { N: String(now) } } } },
    });
    if (!started) {
      const info = (await readMeta(this.connection)).versions.get(version);
      // A version still being written is resumed: its puts are idempotent, so the writer can repeat them.
      if (info?.state !== 'writing') {
        throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} already exists in ${this.url}; write under a new version`);
      }
    }
    return new DynamoVersionWriter(this, version);
  }

  async activate(version: string): Promise<void> {
    validateVersionName(version);
    const meta = await readMeta(this.connection);
    const info = meta.versions.get(version);
    if (!info) throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `candidate version ${version} not found in ${this.url}`);
    if (info.state !== 'committed') {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is not committed yet in ${this.url}; commit it before activating`);
    }
    const names: Record<string, string> = { '#v': version };
    const values: Record<string, { S: string } | { N: string }> = { ':v': { S: version }, ':committed': { S: 'committed' } };
    const sets = ['active = :v'];
    let i = 0;
    for (const [name, other] of meta.versions) {
      if (name === version || other.state !== 'committed' || other.retireAt !== undefined) continue;
      names[`#o${i}`] = name;
      sets.push(`versions.#o${i}.retireAt = :retire`);
      i++;
    }
    if (i > 0) values[':retire'] = { N: String(Date.now() + this.graceMs) };
    const flipped = await updateMeta(this.connection, `activate version ${version}`, {
      expression: `SET ${sets.join(', ')} REMOVE versions.#v.retireAt`,
      condition: 'versions.#v.#state = :committed',
      names: { ...names, '#state': 'state' },
      values,
    });
    if (!flipped) throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `candidate version ${version} was deleted from ${this.url} while activating it`);
    this.cachedActive = { version, readAt: Date.now() };
  }

  async activeVersion(): Promise<string | null> {
    const active = (await readMeta(this.connection)).active;
    this.cachedActive = { version: active, readAt: Date.now() };
    return active;
  }

  async listVersions(): Promise<string[]> {
    const now = Date.now();
    const versions = [...(await readMeta(this.connection)).versions.entries()];
    return orderByCommitTime(versions.filter(([, info]) => info.state === 'committed' && !(info.retireAt !== undefined && info.retireAt <= now)));
  }

  async get(userId: string, version?: string): Promise<Candidate[] | null> {
    const name = version ?? (await this.cachedActiveVersion());
    if (name === null) return null;
    const items = await queryAll(
      this.connection,
      {
        KeyConditionExpression: 'user_id = :u AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':u': { S: userId }, ':prefix': { S: `${name}#` } },
      },
      `read candidates of user ${userId}`,
    );
    if (items.length === 0) return null;
    const parts = Number(items[0].parts?.N ?? 1);
    if (items.length < parts) {
      throw new Error(`candidate list of user ${userId} in version ${name} has ${items.length} of ${parts} parts in ${this.url}; rewrite the version`);
    }
    return decodeCandidates(Buffer.concat(items.slice(0, parts).map((item) => item.payload.B!)));
  }

  async deleteVersion(version: string): Promise<void> {
    validateVersionName(version);
    const meta = await readMeta(this.connection);
    if (meta.active === version) {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is active in ${this.url}; activate another version before deleting it`);
    }
    await this.removeVersion(version);
  }

  async ping(): Promise<void> {
    await readMeta(this.connection);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.client.destroy();
  }

  async writeLists(version: string, lists: readonly CandidateList[]): Promise<void> {
    const requests: WriteRequest[] = [];
    lists.forEach((list, i) => {
      validateCandidateList(list, i);
      validateUserId(list.userId);
      const payload = encodeCandidates(list);
      const parts = Math.max(1, Math.ceil(payload.length / PART_BYTES));
      for (let part = 0; part < parts; part++) {
        requests.push({
          PutRequest: {
            Item: {
              user_id: { S: list.userId },
              sk: { S: `${version}#${String(part).padStart(4, '0')}` },
              payload: { B: payload.subarray(part * PART_BYTES, (part + 1) * PART_BYTES) },
              ...(part === 0 ? { parts: { N: String(parts) } } : {}),
            },
          },
        });
      }
    });
    await batchWrite(this.connection, requests, `write ${lists.length} candidate lists of version ${version}`);
  }

  async commitVersion(version: string): Promise<void> {
    const committed = await updateMeta(this.connection, `commit version ${version}`, {
      expression: 'SET versions.#v.#state = :committed, versions.#v.committedAt = :now',
      condition: 'versions.#v.#state = :writing',
      names: { '#v': version, '#state': 'state' },
      values: { ':committed': { S: 'committed' }, ':writing': { S: 'writing' }, ':now': { N: String(Date.now()) } },
    });
    if (!committed) throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is not being written in ${this.url} (already committed or aborted)`);
  }

  /** Deletes a version's items, then its metadata entry (so an interrupted delete can be run again). */
  async removeVersion(version: string): Promise<void> {
    await deleteMatching(
      this.connection,
      ['user_id', 'sk'],
      { expression: 'begins_with(#sk, :prefix) AND #pk <> :meta', names: {}, values: { ':prefix': { S: `${version}#` }, ':meta': { S: META_USER } } },
      `delete version ${version}`,
    );
    await updateMeta(this.connection, `forget version ${version}`, {
      expression: 'REMOVE versions.#v',
      condition: 'attribute_not_exists(active) OR active <> :v',
      names: { '#v': version },
      values: { ':v': { S: version } },
    });
  }

  private async cachedActiveVersion(): Promise<string | null> {
    if (this.cachedActive && Date.now() - this.cachedActive.readAt < ACTIVE_REFRESH_MS) return this.cachedActive.version;
    return this.activeVersion();
  }

  /** Deletes versions whose grace period has ended. */
  private async sweep(): Promise<void> {
    const meta = await readMeta(this.connection);
    const now = Date.now();
    for (const [name, info] of meta.versions) {
      if (info.retireAt !== undefined && info.retireAt <= now && name !== meta.active) await this.removeVersion(name);
    }
  }
}

/** How long a reader trusts its cached active version, ms. */
const ACTIVE_REFRESH_MS = 1_000;

class DynamoVersionWriter implements CandidateVersionWriter {
  readonly version: string;
  private readonly store: DynamoCandidateStore;

  constructor(store: DynamoCandidateStore, version: string) {
    this.store = store;
    this.version = version;
  }

  write(lists: readonly CandidateList[]): Promise<void> {
    return this.store.writeLists(this.version, lists);
  }

  commit(): Promise<void> {
    return this.store.commitVersion(this.version);
  }

  abort(): Promise<void> {
    return this.store.removeVersion(this.version);
  }
}

function validateUserId(userId: string): void {
  if (userId.startsWith('#twostage#')) throw new TypeError(`user id ${userId} is reserved by the DynamoDB candidate store (prefix "#twostage#")`);
  if (Buffer.byteLength(userId) > MAX_USER_ID_BYTES) throw new RangeError(`user id ${userId.slice(0, 40)}… is longer than DynamoDB's ${MAX_USER_ID_BYTES}-byte key limit`);
}
