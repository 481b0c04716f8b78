/**
 * The Lua scripts of the Redis backend, each run atomically by Redis. Keys
 * start with a prefix (`strangers:` by default): `queue` (sorted set of
 * waiters scored by `seq`), `waiters:<instance>` (the set of an instance's
 * waiters), `tickets` (hash of waiter → its ticket, `identity,avoid,…`),
 * `alive:<instance>` (liveness, with a TTL) and `online` (hash of
 * instance → connected count). Whatever takes a waiter from `queue` also
 * drops its ticket.
 *
 * @module
 */

/** Waiters the match script looks at, from the head of the queue. */
export const MATCH_SCAN = 64;

/**
 * Takes the caller out of the queue, then looks at up to MATCH_SCAN waiters
 * oldest first: drops those of dead instances, skips those the caller's
 * ticket rules out (its identity in the caller's avoid list, or the
 * caller's identity in theirs), and takes and returns the first other one
 * as `{id, identity}`; or queues the caller with its ticket.
 * KEYS: queue, sequence, caller's waiter set, tickets.
 * ARGV: id, prefix, identity (may be empty), avoided identities….
 */
export const MATCH = `
local q, p, id, me, tickets = KEYS[1], ARGV[2], ARGV[1], ARGV[3], KEYS[4]
if redis.call('ZREM', q, id) == 1 then
  redis.call('SREM', KEYS[3], id)
  redis.call('HDEL', tickets, id)
end
local avoid, ticket = {}, {me}
for i = 4, #ARGV do
  avoid[ARGV[i]] = true
  ticket[#ticket + 1] = ARGV[i]
end
local function take(w, inst)
  redis.call('ZREM', q, w)
  redis.call('SREM', p .. 'waiters:' .. inst, w)
  redis.call('HDEL', tickets, w)
end
for _, w in ipairs(redis.call('ZRANGE', q, 0, ${MATCH_SCAN - 1})) do
  local inst = string.match(w, '^(.-):') or ''
  if redis.call('EXISTS', p .. 'alive:' .. inst) == 0 then
    take(w, inst)
  elseif w ~= id then
    local theirs, ok = nil, true
    local t = redis.call('HGET', tickets, w) or ''
    for part in string.gmatch(t .. ',', '([^,]*),') do
      if theirs == nil then
        theirs = part
        if part ~= '' and avoid[part] then ok = false break end
      elseif me ~= '' and part == me then
        ok = false
        break
      end
    end
    if ok then
      take(w, inst)
      return {w, theirs or ''}
    end
  end
end
redis.call('ZADD', q, redis.call('INCR', KEYS[2]), id)
redis.call('SADD', KEYS[3], id)
redis.call('HSET', tickets, id, table.concat(ticket, ','))
return false
`;

/**
 * Takes a waiter out of the queue. KEYS: queue, caller's waiter set,
 * tickets. ARGV: id.
 */
export const UNQUEUE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
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
  for _, w in ipairs(redis.call('SMEMBERS', set)) do
    redis.call('ZREM', q, w)
    redis.call('HDEL', p .. 'tickets', w)
  end
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
  redis.call('HDEL', p .. 'tickets', w)
end
redis.call('DEL', set, p .. 'alive:' .. me)
redis.call('HDEL', p .. 'online', me)
`;
