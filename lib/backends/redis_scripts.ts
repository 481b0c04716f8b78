/**
 * The Lua scripts of the Redis backend, each run atomically by Redis. Keys
 * start with a prefix (`strangers:` by default):
 *
 * - `k:<key>`: a sorted set per matching key (`matching.ts`), the waiters
 *   listed under it scored by their `since` (ties in id order). Redis
 *   drops a sorted set once it is empty, so a key nobody waits under
 *   leaves nothing behind.
 * - `tickets`: a hash of waiter → its ticket as JSON (`identity`, `avoid`,
 *   `interests`, `lang`, `subjects`, `list`: the keys it is listed under).
 *   A waiter is queued exactly while it has a ticket here.
 * - `waiters:<instance>`: the set of an instance's waiters, so that the
 *   waiters of a dead instance leave every key they are listed under.
 * - `alive:<instance>` (liveness, with a TTL) and `online` (hash of
 *   instance → connected count).
 *
 * Whatever takes a waiter out of the queue takes it out of all three.
 * {@linkcode runScript} runs one by its SHA-1.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { MatchResult } from "./backend.ts";

/** Waiters the match script looks at per key, from the head of its list. */
export const MATCH_SCAN = 64;

/**
 * What every script shares, given `p` (the prefix): `inst(w)` (the
 * instance of waiter `w`), `ticket(w)` (its decoded ticket, or nil when it
 * is not queued or its ticket is unreadable), `unlist(w, t)` (takes `w`,
 * queued with ticket `t`, out of the queue) and `purge(i)` (takes out the
 * waiters of instance `i`).
 */
const LIB = `
local tickets = p .. 'tickets'
local function inst(w) return string.match(w, '^(.-):') or '' end
local function ticket(w)
  local raw = redis.call('HGET', tickets, w)
  if not raw then return nil, nil end
  local ok, t = pcall(cjson.decode, raw)
  if ok and type(t) == 'table' and type(t.list) == 'table' then
    return t, raw
  end
  -- Not ours to read (another version's): forget it rather than fail.
  redis.call('HDEL', tickets, w)
  return nil, nil
end
local function unlist(w, t)
  for _, k in ipairs(t.list) do redis.call('ZREM', p .. 'k:' .. k, w) end
  redis.call('HDEL', tickets, w)
  redis.call('SREM', p .. 'waiters:' .. inst(w), w)
end
local function purge(i)
  local set = p .. 'waiters:' .. i
  for _, w in ipairs(redis.call('SMEMBERS', set)) do
    local t = ticket(w)
    if t then unlist(w, t) end
  end
  redis.call('DEL', set)
end
`;

/**
 * Takes the caller out of the queue (or, matching `again` when it is no
 * longer queued, changes nothing and answers `taken`). Then, tier by tier
 * of `look`, looks at up to MATCH_SCAN waiters from the head of each key:
 * drops those of dead instances, skips the caller and those its ticket
 * rules out (its identity in the caller's avoid list, or the caller's
 * identity in theirs), and of each key's first other one takes the one
 * with the smallest `since`, answering `{id, ticket JSON}`; unless a
 * waiter of the caller's own instance, the first such of its key, asked at
 * most `window` ms after that one: then the longest of those. If no tier
 * has one, lists the caller under every key of its `list` and keeps its
 * ticket. ARGV: prefix, id, since, again (`1`/`0`), ticket JSON, look
 * JSON, window (ms, `0`: the longest waiter always).
 */
export const MATCH = `
local p, id, since, again = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
local window = tonumber(ARGV[7]) or 0
${LIB}
local old = ticket(id)
if old then unlist(id, old) elseif again then return 'taken' end
local mine, look = cjson.decode(ARGV[5]), cjson.decode(ARGV[6])
local avoid = {}
for _, a in ipairs(mine.avoid) do avoid[a] = true end
local function allows(t)
  if t.identity ~= '' and avoid[t.identity] then return false end
  if mine.identity == '' then return true end
  for _, a in ipairs(t.avoid) do
    if a == mine.identity then return false end
  end
  return true
end
local alive = {}
local function live(i)
  if alive[i] == nil then
    alive[i] = redis.call('EXISTS', p .. 'alive:' .. i) == 1
  end
  return alive[i]
end
local me = inst(id)
for _, tier in ipairs(look) do
  local best, first, chosen, raw
  local near, nearSince, nearTicket, nearRaw
  for _, k in ipairs(tier) do
    local key = p .. 'k:' .. k
    local head = redis.call('ZRANGE', key, 0, ${MATCH_SCAN - 1}, 'WITHSCORES')
    -- The since of this key's first waiter the caller may take: past it,
    -- only one of our own within the window is of interest.
    local found
    for n = 1, #head, 2 do
      local w = head[n]
      local s = tonumber(head[n + 1])
      if found and (window <= 0 or s > found + window) then break end
      local mine = inst(w) == me
      if not found or mine then
        local t, r = ticket(w)
        if not t then
          redis.call('ZREM', key, w)
        elseif not live(inst(w)) then
          unlist(w, t)
        elseif w ~= id and allows(t) then
          if not found then
            found = s
            if best == nil or s < first then
              best, first, chosen, raw = w, s, t, r
            end
          end
          if mine then
            if near == nil or s < nearSince then
              near, nearSince, nearTicket, nearRaw = w, s, t, r
            end
            break
          end
        end
      end
    end
  end
  if best then
    if near and window > 0 and nearSince <= first + window then
      best, chosen, raw = near, nearTicket, nearRaw
    end
    unlist(best, chosen)
    return {best, raw}
  end
end
redis.call('HSET', tickets, id, ARGV[5])
for _, k in ipairs(mine.list) do redis.call('ZADD', p .. 'k:' .. k, since, id) end
redis.call('SADD', p .. 'waiters:' .. inst(id), id)
return false
`;

/** Takes a waiter out of the queue if it is there. ARGV: prefix, id. */
export const UNQUEUE = `
local p, id = ARGV[1], ARGV[2]
${LIB}
local t = ticket(id)
if t then unlist(id, t) end
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
${LIB}
local online = p .. 'online'
local was = redis.call('EXISTS', p .. 'alive:' .. me)
redis.call('SET', p .. 'alive:' .. me, '1', 'PX', ARGV[4])
redis.call('HSET', online, me, ARGV[3])
if ARGV[5] == '1' then purge(me) end
local others = 0
local all = redis.call('HGETALL', online)
for i = 1, #all, 2 do
  local other = all[i]
  if other ~= me then
    if redis.call('EXISTS', p .. 'alive:' .. other) == 1 then
      others = others + tonumber(all[i + 1])
    else
      redis.call('HDEL', online, other)
      purge(other)
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
${LIB}
purge(me)
redis.call('DEL', p .. 'alive:' .. me)
redis.call('HDEL', p .. 'online', me)
`;

/** What {@linkcode runScript} needs of a Redis client. */
export interface ScriptClient {
  evalSha(sha: string, options: { arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { arguments: string[] }): Promise<unknown>;
}

const shas = new Map<string, string>();

/**
 * Runs `script` with `args` (and no keys) by its SHA-1, sending the script
 * itself only when Redis does not know it yet (after a restart, say).
 */
export async function runScript(
  client: ScriptClient,
  script: string,
  args: string[],
): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    shas.set(script, sha = createHash("sha1").update(script).digest("hex"));
  }
  try {
    return await client.evalSha(sha, { arguments: args });
  } catch (error) {
    if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
    return await client.eval(script, { arguments: args });
  }
}

/** What the match script answers: queued, taken, or `[waiter, ticket]`. */
export type MatchReply = null | "taken" | [string, string];

/** The match a script's reply stands for. */
export function matchOf(reply: MatchReply): MatchResult {
  if (reply === null || reply === "taken") return reply;
  const { identity, interests, lang, subjects = [] } = JSON.parse(reply[1]);
  return { partner: reply[0], identity, interests, lang, subjects };
}
