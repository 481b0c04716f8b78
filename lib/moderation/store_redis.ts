/**
 * The moderation store on Redis (`REDIS_URL`), shared by every instance.
 * Keys start with `strangers:mod:`:
 *
 * - `r:<id>`: a report, a hash of its JSON, status and subjects, expiring
 *   after the retention; `reports`: ids by time; `open`: open reports'
 *   subjects by id; `rs:<subject>`: each reporter of a subject, scored by
 *   its latest report, so that `ZCOUNT` counts distinct reporters since a
 *   time.
 * - `bans`: a hash of bans by id; `audit`: a list, newest first, trimmed
 *   to {@linkcode AUDIT_MAX}; `o:<digest>`: a single-use key holding its
 *   expiry, with a TTL.
 * - `v`: the version, `INCR`ed by the same script as every change of
 *   reports and bans.
 *
 * Each change is one Lua script, so it is whole or absent.
 *
 * @module
 */

import { createClient } from "@redis/client";
import { withTimeout } from "../backends/cluster.ts";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import {
  AUDIT_MAX,
  type AuditEntry,
  type Ban,
  DEFAULT_RETENTION,
  isStoreId,
  type ModerationStore,
  onceDigest,
  type OpenReport,
  type Report,
  sortableId,
  type StoreOptions,
} from "./store.ts";

/** Options of {@linkcode RedisModerationStore.connect}. */
export interface RedisStoreOptions extends StoreOptions {
  /** Prefix of every key. @default {"strangers:mod:"} */
  prefix?: string;
  /** Milliseconds before a command or the connection gives up.
   * @default {2000} */
  timeout?: number;
}

type Client = ReturnType<typeof createClient>;

// ARGV: prefix, id, at, json, status, subjects JSON, reporter, retention,
// then each subject.
const ADD_REPORT = `
local p, id = ARGV[1], ARGV[2]
local key = p .. 'r:' .. id
redis.call('HSET', key, 'json', ARGV[4], 'status', ARGV[5], 'subjects', ARGV[6])
redis.call('PEXPIRE', key, ARGV[8])
redis.call('ZADD', p .. 'reports', ARGV[3], id)
for i = 9, #ARGV do
  local rs = p .. 'rs:' .. ARGV[i]
  redis.call('ZADD', rs, 'GT', ARGV[3], ARGV[7])
  redis.call('PEXPIRE', rs, ARGV[8])
end
if ARGV[5] == 'open' then redis.call('HSET', p .. 'open', id, ARGV[6]) end
redis.call('INCR', p .. 'v')
`;

// ARGV: prefix, id, status.
const SET_STATUS = `
local p, id = ARGV[1], ARGV[2]
local key = p .. 'r:' .. id
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'status', ARGV[3])
if ARGV[3] == 'open' then
  redis.call('HSET', p .. 'open', id, redis.call('HGET', key, 'subjects'))
else
  redis.call('HDEL', p .. 'open', id)
end
redis.call('INCR', p .. 'v')
return 1
`;

// ARGV: prefix, id, ban JSON.
const ADD_BAN = `
redis.call('HSET', ARGV[1] .. 'bans', ARGV[2], ARGV[3])
redis.call('INCR', ARGV[1] .. 'v')
`;

// ARGV: prefix, id.
const REMOVE_BAN = `
if redis.call('HDEL', ARGV[1] .. 'bans', ARGV[2]) == 0 then return 0 end
redis.call('INCR', ARGV[1] .. 'v')
return 1
`;

// ARGV: prefix, entry JSON, most kept.
const ADD_AUDIT = `
redis.call('LPUSH', ARGV[1] .. 'audit', ARGV[2])
redis.call('LTRIM', ARGV[1] .. 'audit', 0, tonumber(ARGV[3]) - 1)
`;

// ARGV: key, now, until, ttl.
const USE_ONCE = `
local held = redis.call('GET', ARGV[1])
if held and tonumber(held) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', ARGV[1], ARGV[3], 'PX', ARGV[4])
return 1
`;

// ARGV: prefix, now, reports before.
const PURGE = `
local p, now, before = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local changed = false
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'reports', '-inf', '(' .. ARGV[3])) do
  local subjects = redis.call('HGET', p .. 'r:' .. id, 'subjects')
  if subjects then
    for _, s in ipairs(cjson.decode(subjects)) do
      redis.call('ZREMRANGEBYSCORE', p .. 'rs:' .. s, '-inf', '(' .. ARGV[3])
    end
  end
  redis.call('DEL', p .. 'r:' .. id)
  redis.call('HDEL', p .. 'open', id)
  changed = true
end
redis.call('ZREMRANGEBYSCORE', p .. 'reports', '-inf', '(' .. ARGV[3])
for _, id in ipairs(redis.call('HKEYS', p .. 'open')) do
  if redis.call('EXISTS', p .. 'r:' .. id) == 0 then
    redis.call('HDEL', p .. 'open', id)
    changed = true
  end
end
local bans = redis.call('HGETALL', p .. 'bans')
for i = 1, #bans, 2 do
  if cjson.decode(bans[i + 1])['until'] <= now then
    redis.call('HDEL', p .. 'bans', bans[i])
    changed = true
  end
end
while true do
  local last = redis.call('LINDEX', p .. 'audit', -1)
  if not last or cjson.decode(last)['at'] >= before then break end
  redis.call('RPOP', p .. 'audit')
end
if changed then redis.call('INCR', p .. 'v') end
`;

const STATUSES: readonly Report["status"][] = ["open", "dismissed", "banned"];

/**
 * A {@linkcode ModerationStore} on Redis. Connect with
 * {@linkcode RedisModerationStore.connect}.
 */
export class RedisModerationStore implements ModerationStore {
  #client: Client;
  #prefix: string;
  #timeout: number;
  #clock: Clock;
  #retention: number;
  #closed = false;

  private constructor(url: string, options: RedisStoreOptions) {
    this.#prefix = options.prefix ?? "strangers:mod:";
    this.#timeout = options.timeout ?? 2000;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#retention = options.retention ?? DEFAULT_RETENTION;
    this.#client = createClient({
      url,
      socket: {
        connectTimeout: this.#timeout,
        reconnectStrategy: (retries: number) =>
          Math.min(50 * 2 ** retries, 500),
      },
      disableOfflineQueue: true,
    });
    // Errors surface on every reconnect attempt; each command reports its own.
    this.#client.on("error", () => {});
  }

  /** Connects to `url`; rejects when Redis cannot be reached in time. */
  static async connect(
    url: string,
    options: RedisStoreOptions = {},
  ): Promise<RedisModerationStore> {
    const store = new RedisModerationStore(url, options);
    try {
      await store.#run(store.#client.connect());
    } catch (error) {
      await store.close();
      throw new Error(`cannot reach Redis at ${url}`, { cause: error });
    }
    return store;
  }

  async addReport(input: Omit<Report, "id">): Promise<Report> {
    const id = sortableId(input.at);
    const report: Report = {
      ...input,
      id,
      subjects: [...new Set(input.subjects)],
      lines: input.lines.map(({ from, message, verified }) => ({
        from,
        message,
        verified,
      })),
    };
    const { id: _, status, ...kept } = report;
    await this.#eval(ADD_REPORT, [
      id,
      String(report.at),
      JSON.stringify(kept),
      status,
      JSON.stringify(report.subjects),
      report.reporter,
      String(Math.max(1, Math.round(this.#retention))),
      ...report.subjects,
    ]);
    return report;
  }

  async reports(status?: Report["status"]): Promise<Report[]> {
    const ids = await this.#run(
      this.#client.zRange(this.#prefix + "reports", 0, -1, { REV: true }),
    );
    const found = await Promise.all(ids.map((id) => this.report(id)));
    return found.filter((r): r is Report =>
      r !== undefined && (status === undefined || r.status === status)
    );
  }

  async report(id: string): Promise<Report | undefined> {
    if (!isStoreId(id)) return undefined;
    const hash = await this.#run(
      this.#client.hGetAll(this.#prefix + "r:" + id),
    ) as Record<string, string>;
    if (hash.json === undefined) return undefined;
    const kept = JSON.parse(hash.json) as Omit<Report, "id" | "status">;
    return { id, ...kept, status: hash.status as Report["status"] };
  }

  async setReportStatus(
    id: string,
    status: Report["status"],
  ): Promise<boolean> {
    if (!isStoreId(id) || !STATUSES.includes(status)) return false;
    return await this.#eval(SET_STATUS, [id, status]) === 1;
  }

  async openReports(): Promise<OpenReport[]> {
    const open = await this.#run(
      this.#client.hGetAll(this.#prefix + "open"),
    ) as Record<string, string>;
    return Object.entries(open).map(([id, subjects]) => ({
      id,
      subjects: JSON.parse(subjects),
    }));
  }

  async reporters(subject: string, since: number): Promise<number> {
    return await this.#run(this.#client.zCount(
      this.#prefix + "rs:" + subject,
      Number.isFinite(since) ? since : "-inf",
      "+inf",
    ));
  }

  async addBan(input: Omit<Ban, "id">): Promise<Ban> {
    const ban: Ban = { ...input, id: sortableId(input.at) };
    await this.#eval(ADD_BAN, [ban.id, JSON.stringify(ban)]);
    return ban;
  }

  async removeBan(id: string): Promise<boolean> {
    if (!isStoreId(id)) return false;
    return await this.#eval(REMOVE_BAN, [id]) === 1;
  }

  async bans(now: number): Promise<Ban[]> {
    const all = await this.#run(this.#client.hVals(this.#prefix + "bans"));
    return all.map((json) => JSON.parse(json) as Ban)
      .filter((ban) => ban.until > now)
      .sort((a, b) => a.id < b.id ? -1 : 1);
  }

  async version(): Promise<number> {
    const value = await this.#run(this.#client.get(this.#prefix + "v"));
    return Number(value ?? 0);
  }

  async addAudit(input: Omit<AuditEntry, "id">): Promise<void> {
    const entry: AuditEntry = { id: sortableId(input.at), ...input };
    await this.#eval(ADD_AUDIT, [JSON.stringify(entry), String(AUDIT_MAX)]);
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    const most = Math.min(Math.max(Math.floor(limit) || 0, 0), AUDIT_MAX);
    if (most === 0) return [];
    const entries = await this.#run(
      this.#client.lRange(this.#prefix + "audit", 0, most - 1),
    );
    return entries.map((json) => JSON.parse(json) as AuditEntry);
  }

  async useOnce(key: string, until: number): Promise<boolean> {
    const now = this.#clock.now();
    if (!(until > now)) return false;
    const reply = await this.#run(this.#client.eval(USE_ONCE, {
      arguments: [
        this.#prefix + "o:" + onceDigest(key),
        String(now),
        String(until),
        String(Math.max(1, Math.ceil(until - now))),
      ],
    }));
    return reply === 1;
  }

  async purge(now: number, reportsBefore: number): Promise<void> {
    await this.#eval(PURGE, [String(now), String(reportsBefore)]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.isOpen) {
      try {
        await this.#run(this.#client.close());
      } catch {
        this.#client.destroy();
      }
    }
  }

  /** Runs a script with the prefix as its first argument. */
  #eval(script: string, args: string[]): Promise<unknown> {
    return this.#run(
      this.#client.eval(script, { arguments: [this.#prefix, ...args] }),
    );
  }

  /** Settles like `command`, or rejects once the timeout has passed. */
  #run<T>(command: Promise<T>): Promise<T> {
    return withTimeout(command, { ms: this.#timeout, label: "redis" });
  }
}
