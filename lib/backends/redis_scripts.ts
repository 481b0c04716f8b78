/**
 * The Lua scripts of the Redis backend, each run atomically by Redis. Keys
 * start with a prefix (`strangers:` by default): `queue` (sorted set of
 * waiters scored by `seq`), `waiters:<instance>` (the set of an instance's
 * waiters), `alive:<instance>` (liveness, with a TTL) and `online` (hash of
 * instance → connected count).
 *
 * @module
 */

/**
 * Takes the caller out of the queue, then pops waiters oldest first, dropping
 * those of dead instances, and returns the first live one; or queues the
 * caller. KEYS: queue, sequence, caller's waiter set. ARGV: id, prefix.
 */
export const MATCH = `
local q, p, id = KEYS[1], ARGV[2], ARGV[1]
if redis.call('ZREM', q, id) == 1 then redis.call('SREM', KEYS[3], id) end
while true do
  local head = redis.call('ZPOPMIN', q)
  if #head == 0 then break end
  local w = head[1]
  local inst = string.match(w, '^(.-):') or ''
  redis.call('SREM', p .. 'waiters:' .. inst, w)
  if redis.call('EXISTS', p .. 'alive:' .. inst) == 1 then return w end
end
redis.call('ZADD', q, redis.call('INCR', KEYS[2]), id)
redis.call('SADD', KEYS[3], id)
return false
`;

/** Takes a waiter out of the queue. KEYS: queue, caller's waiter set. ARGV: id. */
export const UNQUEUE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
`;

/**
 * The heartbeat. Refreshes our liveness and count, forgets our own stale
 * waiters when asked (after an outage nobody here is waiting), drops dead
 * instances with their waiters, and answers: were we alive before, the
 * count on other live instances, and which of the instances named in
 * ARGV[6..] are dead. ARGV: prefix, instance, count, ttl ms, reset.
 */
export const TICK = `
local p, me = ARGV[1], ARGV[2]
local q, online = p .. 'queue', p .. 'online'
local function purge(inst)
  local set = p .. 'waiters:' .. inst
  for _, w in ipairs(redis.call('SMEMBERS', set)) do redis.call('ZREM', q, w) end
  redis.call('DEL', set)
end
local was = redis.call('EXISTS', p .. 'alive:' .. me)
redis.call('SET', p .. 'alive:' .. me, '1', 'PX', ARGV[4])
redis.call('HSET', online, me, ARGV[3])
if ARGV[5] == '1' then purge(me) end
local others = 0
local all = redis.call('HGETALL', online)
for i = 1, #all, 2 do
  local inst = all[i]
  if inst ~= me then
    if redis.call('EXISTS', p .. 'alive:' .. inst) == 1 then
      others = others + tonumber(all[i + 1])
    else
      redis.call('HDEL', online, inst)
      purge(inst)
    end
  end
end
local dead = {}
for i = 6, #ARGV do
  if redis.call('EXISTS', p .. 'alive:' .. ARGV[i]) == 0 then
    dead[#dead + 1] = ARGV[i]
  end
end
return {was, others, dead}
`;

/**
 * Leaving for good: forget us at once instead of after the TTL.
 * ARGV: prefix, instance.
 */
export const BYE = `
local p, me = ARGV[1], ARGV[2]
local set = p .. 'waiters:' .. me
for _, w in ipairs(redis.call('SMEMBERS', set)) do
  redis.call('ZREM', p .. 'queue', w)
end
redis.call('DEL', set, p .. 'alive:' .. me)
redis.call('HDEL', p .. 'online', me)
`;
