import type { Config } from '../../config/load.js';
import { guard } from '../remote/guard.js';
import { decodeRecord, encodeRecord, oldestEventTime, validateGroup, validateRecord } from '../remote/online-record.js';
import type { OnlineReadOptions, OnlineRecord, OnlineStore } from '../types.js';
import { closeRedis, connectRedis, type RedisConnection } from './connection.js';

/** Records per script call; bounds the time one call blocks the server. */
const WRITE_CHUNK = 500;

/**
 * Replaces a stored record only when the new one's (event time, created time) is not older. The
 * times are the first 16 bytes of each payload (two little-endian doubles), read with `struct`.
 * KEYS[1] is the group's hash, and ARGV contains entity id and payload pairs.
 */
const PUT_LATEST = `
local written = 0
for i = 1, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  local replace = true
  if current then
    local oldEvent, oldCreated = struct.unpack('<dd', current)
    local newEvent, newCreated = struct.unpack('<dd', ARGV[i + 1])
    replace = newEvent > oldEvent or (newEvent == oldEvent and newCreated >= oldCreated)
  end
  if replace then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    written = written + 1
  end
end
return written
`;

/** Opens `redis://[user:password@]host:port[/db][?prefix=…]` as an online store. */
export async function openRedisOnlineStore(url: URL, config: Pick<Config, 'STORE_TIMEOUT_MS'>): Promise<RedisOnlineStore> {
  return new RedisOnlineStore(url.toString(), await connectRedis('online', url, config.STORE_TIMEOUT_MS));
}

/**
 * Online store on Redis: one hash per feature group, `<prefix>online:{<group>}`, field = entity id,
 * value = 16-byte time header + JSON values. A batch read is one HMGET, so one round trip whatever
 * the number of ids. The hash tag puts a whole group on one Redis Cluster slot, which keeps HMGET
 * and the update script single-slot. TTL is checked on read against the event time.
 */
export class RedisOnlineStore implements OnlineStore {
  readonly url: string;
  private readonly connection: RedisConnection;

  constructor(url: string, connection: RedisConnection) {
    this.url = url;
    this.connection = connection;
    connection.client.defineCommand('twostagePutLatest', { numberOfKeys: 1, lua: PUT_LATEST });
  }

  async putLatest(group: string, records: readonly OnlineRecord[]): Promise<void> {
    validateGroup(group);
    records.forEach((record, i) => validateRecord(group, record, i));
    const key = this.groupKey(group);
    const client = this.connection.client as unknown as { twostagePutLatest(key: string, ...args: (string | Buffer)[]): Promise<number> };
    for (let start = 0; start < records.length; start += WRITE_CHUNK) {
      const args: (string | Buffer)[] = [];
      for (const record of records.slice(start, start + WRITE_CHUNK)) args.push(record.entityId, encodeRecord(record));
      await guard(this.connection.context, `write ${args.length / 2} records of group ${group}`, () => client.twostagePutLatest(key, ...args));
    }
  }

  async getMany(group: string, entityIds: readonly string[], options: OnlineReadOptions = {}): Promise<(OnlineRecord | null)[]> {
    validateGroup(group);
    if (entityIds.length === 0) return [];
    const payloads = await guard(this.connection.context, `read ${entityIds.length} records of group ${group}`, () =>
      this.connection.client.hmgetBuffer(this.groupKey(group), ...entityIds),
    );
    const oldest = oldestEventTime(options);
    return entityIds.map((id, i) => {
      const payload = payloads[i];
      if (!payload) return null;
      const record = decodeRecord(id, payload);
      return record.eventTime < oldest ? null : record;
    });
  }

  async clearGroup(group: string): Promise<void> {
    validateGroup(group);
    await guard(this.connection.context, `clear group ${group}`, () => this.connection.client.unlink(this.groupKey(group)));
  }

  async ping(): Promise<void> {
    await guard(this.connection.context, 'ping', () => this.connection.client.ping());
  }

  async close(): Promise<void> {
    await closeRedis(this.connection.client);
  }

  private groupKey(group: string): string {
    return `${this.connection.options.prefix}online:{${group}}`;
  }
}
