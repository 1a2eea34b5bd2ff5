/**
 * Lua scripts of the Redis adapter. Each runs atomically on the server, so "check the epoch, then write"
 * cannot be interleaved with another detector's claim or commit.
 *
 * Why single-node Lua: the commit touches the partition's keys, every learner of the batch and every
 * device of the batch — keys in many hash slots. Redis Cluster refuses such a script (CROSSSLOT). To run
 * on Cluster the commit would have to become one script per slot (in practice per learner/device): each
 * learner write would carry the fencing token and compare it with a copy kept next to the learner (or a
 * per-learner last-applied offset), the watermark + outbox written last in the partition's slot; a crash
 * between those scripts leaves a half-applied batch that the replay must absorb through per-learner
 * dedupe. Hash-tagging learners by partition instead would keep one slot per partition but moves every
 * learner when the partition count changes, and device windows are shared across partitions anyway.
 *
 * All-or-nothing inside a script: Redis does not roll back writes made before a runtime error, so the
 * commit script checks everything that could fail (epoch, key types) before its first write. An OOM
 * refusal happens at the first write, i.e. before anything changed.
 */

/**
 * KEYS[1..5] = partition epoch, watermark, outbox, counted, stretch.
 * Returns { epoch, watermark|nil, outbox|nil, counted|nil, stretch|nil }.
 * The new epoch is max(current + 1, server time in ms): if Redis lost its data, the counter restarts, and
 * without the clock a zombie holding an old epoch could match a fresh, low one.
 */
export const CLAIM_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = string.format('%.0f', math.max(current + 1, nowMs))
redis.call('SET', KEYS[1], epoch)
return { epoch, redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4]),
  redis.call('GET', KEYS[5]) }
`;

/**
 * The version of a device window: SHA-1 of its ZRANGE … WITHSCORES reply, each element as
 * `<byte length>:<bytes>` (so no two windows share an encoding); '' for an empty window. The client
 * computes the same from the reply of loadDevices (windowVersion in redis-store.ts).
 */
const WINDOW_VERSION_LUA = `
local function windowVersion(key)
  local w = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  if #w == 0 then return '' end
  local parts = {}
  for i, v in ipairs(w) do parts[i] = #v .. ':' .. v end
  return redis.sha1hex(table.concat(parts))
end
`;

/**
 * KEYS[1..3]              = partition epoch, watermark, outbox
 * KEYS[4 .. 3+n]          = learner keys (n = ARGV[8])
 * KEYS[4+n .. 3+n+m]      = device keys written (m = ARGV[9])
 * KEYS[4+n+m .. #KEYS-2]  = device keys read (r of them)
 * KEYS[#KEYS-1]           = partition counted
 * KEYS[#KEYS]             = partition stretch
 * ARGV[1] epoch  ARGV[2] watermark  ARGV[3] outbox  ARGV[4] learner ttl ms  ARGV[5] device window ms
 * ARGV[6] device ttl ms  ARGV[7] max starts per device  ARGV[8] n  ARGV[9] m  ARGV[10] ops: one char per
 * learner, 'S' = set, 'D' = delete;  ARGV[11] thinning span ms (options.ts);  ARGV[12 .. 11+n] learner
 * values ('' for deletes);  ARGV[12+n .. 11+n+r] the versions of the windows read ('' = empty);  then per device written, in
 * KEYS order: count c, then c pairs (score = time ms, member);  then ARGV[#ARGV-2]: the counted offset
 * to store ('' = leave it);  ARGV[#ARGV-1]: the count stretch to store ('' = leave it);  last,
 * ARGV[#ARGV]: the watermark the caller believes is stored ('' = none, '*' = do not check).
 * Returns 1 = ok, 0 = fenced, 2 = conflict (a window read has changed since), 3 = lost (no epoch: the
 * keys are gone; an epoch below the caller's: the store lost the caller's claim; or the stored watermark
 * is not the caller's: the store went back in time); nothing written unless 1.
 */
export const COMMIT_SCRIPT = `${WINDOW_VERSION_LUA}
local epoch = redis.call('GET', KEYS[1])
if not epoch then return 3 end
if tonumber(epoch) < tonumber(ARGV[1]) then return 3 end
if epoch ~= ARGV[1] then return 0 end
local previous = ARGV[#ARGV]
if previous ~= '*' and (redis.call('GET', KEYS[2]) or '') ~= previous then return 3 end
local n = tonumber(ARGV[8])
local m = tonumber(ARGV[9])
local firstDevice = 4 + n
local firstRead = firstDevice + m
local a = 12 + n
for k = firstRead, #KEYS - 2 do
  if windowVersion(KEYS[k]) ~= ARGV[a] then return 2 end
  a = a + 1
end
for k = firstDevice, firstRead - 1 do
  local kind = redis.call('TYPE', KEYS[k]).ok
  if kind ~= 'zset' and kind ~= 'none' then
    return redis.error_reply('HGCORRUPT device key ' .. KEYS[k] .. ' holds a ' .. kind)
  end
end
local ops = ARGV[10]
for i = 1, n do
  if string.byte(ops, i) == 83 then
    redis.call('SET', KEYS[3 + i], ARGV[11 + i], 'PX', ARGV[4])
  else
    redis.call('DEL', KEYS[3 + i])
  end
end
local window = tonumber(ARGV[5])
local keep = tonumber(ARGV[7])
local span = tonumber(ARGV[11])
for k = firstDevice, firstRead - 1 do
  local key = KEYS[k]
  local c = tonumber(ARGV[a])
  a = a + 1
  local added = {}
  for j = 1, c do
    redis.call('ZADD', key, ARGV[a], ARGV[a + 1])
    added[string.match(ARGV[a + 1], '^(.*)|')] = true
    a = a + 2
  end
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('(%.0f', tonumber(newest[2]) - window))
  -- Thin the starts of the learners just added (the others are thin already): drop a start whose kept
  -- neighbouring starts of the same learner are at most span apart (see options.ts).
  local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local kept = {}
  for i = 1, #all, 2 do
    local learner = string.match(all[i], '^(.*)|')
    if added[learner] then
      local list = kept[learner]
      if not list then
        list = {}
        kept[learner] = list
      end
      list[#list + 1] = { all[i], tonumber(all[i + 1]) }
      while #list >= 3 and list[#list][2] - list[#list - 2][2] <= span do
        redis.call('ZREM', key, list[#list - 1][1])
        table.remove(list, #list - 1)
      end
    end
  end
  redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
  redis.call('PEXPIRE', key, ARGV[6])
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
if ARGV[#ARGV - 2] ~= '' then redis.call('SET', KEYS[#KEYS - 1], ARGV[#ARGV - 2]) end
if ARGV[#ARGV - 1] ~= '' then redis.call('SET', KEYS[#KEYS], ARGV[#ARGV - 1]) end
return 1
`;

/**
 * KEYS[1..3] = partition epoch, watermark, outbox;  ARGV[1] epoch  ARGV[2] watermark.
 * The outbox always belongs to the stored watermark (both are written by the same commit), so comparing
 * the watermark tells whether the outbox is still the one the caller produced.
 */
export const CLEAR_OUTBOX_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
return redis.call('DEL', KEYS[3])
`;
