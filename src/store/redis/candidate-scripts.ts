/**
 * Lua scripts on the candidate store's metadata hash (KEYS[1]). Fields: `active` = the served
 * version; `v:<version>` = JSON {state: "writing"|"committed", buckets, startedAt, touchedAt,
 * committedAt, retireAt}. Times are ms since the epoch, passed in by the client so every process
 * agrees on one clock source per call. Each script touches one key, so it runs on Redis Cluster.
 */

/**
 * Flips the active version. ARGV: version, now, grace ms. Every other committed version that is not
 * retiring yet gets `retireAt = now + grace`. Returns {wasRetiring (0/1), name1, buckets1, …} for
 * the client to set key expiry on the retired versions. Fails with NOT_FOUND or NOT_COMMITTED.
 */
export const ACTIVATE = `
local field = 'v:' .. ARGV[1]
local raw = redis.call('HGET', KEYS[1], field)
if not raw then return redis.error_reply('NOT_FOUND') end
local info = cjson.decode(raw)
if info.state ~= 'committed' then return redis.error_reply('NOT_COMMITTED') end
local now = tonumber(ARGV[2])
local result = {0}
if info.retireAt then
  result[1] = 1
  info.retireAt = nil
  redis.call('HSET', KEYS[1], field, cjson.encode(info))
end
redis.call('HSET', KEYS[1], 'active', ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'v:' and all[i] ~= field then
    local other = cjson.decode(all[i + 1])
    if other.state == 'committed' and not other.retireAt then
      other.retireAt = now + tonumber(ARGV[3])
      redis.call('HSET', KEYS[1], all[i], cjson.encode(other))
      table.insert(result, string.sub(all[i], 3))
      table.insert(result, tostring(other.buckets))
    end
  end
end
return result
`;

/**
 * Registers a new version as being written, or resumes one still being written. ARGV: version,
 * now, bucket count. Returns the version's bucket count. Fails with EXISTS for a committed version.
 */
export const BEGIN = `
local field = 'v:' .. ARGV[1]
local raw = redis.call('HGET', KEYS[1], field)
if raw then
  local info = cjson.decode(raw)
  if info.state ~= 'writing' then return redis.error_reply('EXISTS') end
  info.touchedAt = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], field, cjson.encode(info))
  return info.buckets
end
local now = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], field, cjson.encode({state = 'writing', buckets = tonumber(ARGV[3]), startedAt = now, touchedAt = now}))
return tonumber(ARGV[3])
`;

/** Marks a version being written as committed. ARGV: version, now. Fails with NOT_FOUND or NOT_WRITING. */
export const COMMIT = `
local field = 'v:' .. ARGV[1]
local raw = redis.call('HGET', KEYS[1], field)
if not raw then return redis.error_reply('NOT_FOUND') end
local info = cjson.decode(raw)
if info.state ~= 'writing' then return redis.error_reply('NOT_WRITING') end
info.state = 'committed'
info.committedAt = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], field, cjson.encode(info))
return 1
`;

/** Reads the active version and its metadata in one call: {version, info JSON} or {}. */
export const READ_ACTIVE = `
local version = redis.call('HGET', KEYS[1], 'active')
if not version then return {} end
return {version, redis.call('HGET', KEYS[1], 'v:' .. version) or ''}
`;

/** Removes a version's metadata unless it is active. ARGV: version. Returns 0 when it is active. */
export const FORGET = `
if redis.call('HGET', KEYS[1], 'active') == ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'v:' .. ARGV[1])
return 1
`;
