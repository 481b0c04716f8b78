/**
 * The Redis backend: pairs visitors across instances that share one Redis.
 *
 * - The queue is a sorted set scored by a cluster-wide sequence number, so
 *   it is first come, first served across instances. A Lua script takes the
 *   oldest waiter or queues the caller in one atomic step, which is what
 *   makes "never self, never two partners for one waiter" hold.
 * - Deliveries to a peer on another instance are published on that
 *   instance's one channel (`<prefix>to:<instance>`), named after the
 *   instance id that starts every peer id.
 * - Every second each instance refreshes its liveness key (3 s TTL) and its
 *   connected count. The same step sums the counts of live instances and
 *   reports which instances we have partners on have died, so their partners
 *   here are closed with 4000 and their waiters leave the queue.
 * - When Redis goes away, `match` rejects at once (or after a timeout when
 *   Redis hangs), pairs that span instances are closed with 1011, and
 *   pairing resumes by itself once the client has reconnected.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createClient } from "@redis/client";
import type { Backend, Delivery } from "../pairing.ts";
import {
  ClusterBook,
  instanceOf,
  type Receive,
  withTimeout,
} from "./cluster.ts";

/** Options for {@linkcode RedisBackend}. */
export interface RedisBackendOptions {
  /** Visitors connected to this instance, published for the cluster count.
   * @default {() => 0} */
  localCount?: () => number;
  /** Prefix of every key and channel, to share one Redis between apps.
   * @default {"strangers:"} */
  prefix?: string;
  /** Milliseconds between two heartbeats.
   * @default {1000} */
  heartbeat?: number;
  /** Milliseconds an instance stays alive without a heartbeat.
   * @default {3000} */
  ttl?: number;
  /** Milliseconds before a pairing attempt gives up on Redis.
   * @default {1500} */
  timeout?: number;
}

type Client = ReturnType<typeof createClient>;

/** Leaves buffered while Redis is away, sent when it is back. */
const MAX_BUFFERED = 10_000;

// Takes the caller out of the queue, then pops waiters oldest first, dropping
// those of dead instances, and returns the first live one; or queues the
// caller. KEYS: queue, sequence, caller's waiter set. ARGV: id, prefix.
const MATCH = `
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

// KEYS: queue, caller's waiter set. ARGV: id.
const UNQUEUE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
`;

// The heartbeat. Refreshes our liveness and count, forgets our own stale
// waiters when asked (after an outage nobody here is waiting), drops dead
// instances with their waiters, and answers: were we alive before, the
// count on other live instances, and which of the instances named in
// ARGV[6..] are dead. ARGV: prefix, instance, count, ttl ms, reset.
const TICK = `
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

// Leaving for good: forget us at once instead of after the TTL.
const BYE = `
local p, me = ARGV[1], ARGV[2]
local set = p .. 'waiters:' .. me
for _, w in ipairs(redis.call('SMEMBERS', set)) do
  redis.call('ZREM', p .. 'queue', w)
end
redis.call('DEL', set, p .. 'alive:' .. me)
redis.call('HDEL', p .. 'online', me)
`;

const KIND_CODES = { frame: "f", paired: "p", left: "l", requeue: "r" };

/** `f<to>\n<frame>`, `p<to>\n<partner>`, `l<to>\n<partner>`, `r<to>\n`. */
function encode(to: string, delivery: Delivery): string | undefined {
  switch (delivery.kind) {
    case "frame":
      return `f${to}\n${delivery.frame}`;
    case "paired":
    case "left":
      return `${KIND_CODES[delivery.kind]}${to}\n${delivery.partner}`;
    case "requeue":
      return `r${to}\n`;
    case "lost":
      return undefined;
  }
}

function decode(
  message: string,
): { to: string; delivery: Delivery } | undefined {
  const nl = message.indexOf("\n");
  if (nl < 1) return undefined;
  const to = message.slice(1, nl);
  const rest = message.slice(nl + 1);
  switch (message[0]) {
    case "f":
      return { to, delivery: { kind: "frame", frame: rest } };
    case "p":
      return { to, delivery: { kind: "paired", partner: rest } };
    case "l":
      return { to, delivery: { kind: "left", partner: rest } };
    case "r":
      return { to, delivery: { kind: "requeue" } };
  }
  return undefined;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/**
 * A {@linkcode Backend} on Redis, for several instances behind one address.
 * Create it with {@linkcode RedisBackend.connect}, which resolves once both
 * connections are up and the first heartbeat is in.
 */
export class RedisBackend implements Backend {
  /** This instance's id plus `:`; every peer id made here starts with it. */
  readonly idPrefix: string;
  /** This instance's id, unique across the cluster. */
  readonly instance: string;
  #book: ClusterBook;
  #cmd: Client;
  #sub: Client;
  #prefix: string;
  #heartbeat: number;
  #ttl: number;
  #timeout: number;
  /** Deliveries that must not be lost to an outage (left, requeue). */
  #buffered: [string, Delivery][] = [];
  #epoch = 0;
  #lastTick = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;
  #closed = false;
  #shas = new Map<string, string>();

  private constructor(url: string, options: RedisBackendOptions) {
    this.#book = new ClusterBook(this, options.localCount);
    this.instance = this.#book.instance;
    this.idPrefix = this.#book.idPrefix;
    this.#prefix = options.prefix ?? "strangers:";
    this.#heartbeat = options.heartbeat ?? 1000;
    this.#ttl = options.ttl ?? 3000;
    this.#timeout = options.timeout ?? 1500;
    const socket = {
      connectTimeout: this.#timeout,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
    };
    this.#cmd = createClient({ url, socket, disableOfflineQueue: true });
    this.#sub = this.#cmd.duplicate();
    for (const client of [this.#cmd, this.#sub]) {
      // Errors surface here on every reconnect attempt; match reports them.
      client.on("error", () => this.#lose());
      client.on("end", () => this.#lose());
      client.on("ready", () => {
        if (this.#timer !== undefined) void this.#tick();
      });
    }
  }

  /**
   * Connects to `url` (`redis://host:port`), subscribes to this instance's
   * channel and sends the first heartbeat. Rejects when Redis cannot be
   * reached within the timeout.
   */
  static async connect(
    url: string,
    options: RedisBackendOptions = {},
  ): Promise<RedisBackend> {
    const backend = new RedisBackend(url, options);
    try {
      await withTimeout(backend.#start(), {
        ms: Math.max(backend.#timeout, 2000),
        label: "redis",
      });
    } catch (error) {
      await backend.close();
      throw new Error(`cannot reach Redis at ${url}`, { cause: error });
    }
    return backend;
  }

  async #start(): Promise<void> {
    await Promise.all([this.#cmd.connect(), this.#sub.connect()]);
    await this.#sub.subscribe(
      this.#prefix + "to:" + this.instance,
      (message: string) => this.#arrived(message),
    );
    await this.#tick();
    if (!this.#book.up) throw new Error("first heartbeat failed");
    this.#timer = setInterval(() => void this.#tick(), this.#heartbeat);
  }

  /** Takes the oldest live waiter or queues `id`, atomically in Redis. */
  async match(id: string): Promise<string | null> {
    if (!this.#book.up) throw new Error("redis unavailable");
    const epoch = this.#epoch;
    const reply = this.#eval(MATCH, [
      this.#prefix + "queue",
      this.#prefix + "seq",
      this.#prefix + "waiters:" + this.instance,
    ], [id, this.#prefix]) as Promise<string | null>;
    let partner: string | null;
    try {
      partner = await withTimeout(reply, { ms: this.#timeout, label: "redis" });
    } catch (error) {
      // The script may still run: hand back whatever it did.
      reply.then((late) => this.#book.undo(id, late), () => {});
      throw error;
    }
    if (epoch !== this.#epoch) {
      this.#book.undo(id, partner);
      throw new Error("redis connection was lost");
    }
    this.#book.matched(id, partner);
    return partner;
  }

  /** Takes `id` out of the queue. */
  async unqueue(id: string): Promise<void> {
    this.#book.unqueued(id);
    if (!this.#book.up) return;
    await this.#eval(UNQUEUE, [
      this.#prefix + "queue",
      this.#prefix + "waiters:" + this.instance,
    ], [id]);
  }

  /** Publishes `delivery` on the channel of the instance `to` lives on. */
  deliver(to: string, delivery: Delivery): void {
    this.#book.sending(to, delivery);
    if (!this.#book.up) return this.#undeliverable(to, delivery);
    const message = encode(to, delivery);
    if (message === undefined) return;
    this.#cmd.publish(this.#prefix + "to:" + instanceOf(to), message).catch(
      () => this.#lose(),
    );
  }

  /** Deliveries published to this instance go to `receive`. */
  attach(receive: Receive): void {
    this.#book.attach(receive);
  }

  /** Visitors on all live instances, or `undefined` while Redis is away. */
  online(): number | undefined {
    return this.#book.online();
  }

  /** Whether Redis answers and pairing works. */
  get available(): boolean {
    return this.#book.up;
  }

  /** Local peers partnered with a peer on another instance. */
  get crossPairs(): number {
    return this.#book.crossPairs;
  }

  /** Stops the heartbeat, forgets this instance in Redis and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#book.up) {
      try {
        await withTimeout(
          this.#eval(BYE, [], [this.#prefix, this.instance]),
          { ms: this.#timeout, label: "redis" },
        );
      } catch {
        // Redis is away; our liveness key expires by itself.
      }
    }
    this.#book.up = false;
    for (const client of [this.#sub, this.#cmd]) {
      client.removeAllListeners();
      client.on("error", () => {});
      if (client.isOpen) client.destroy();
    }
  }

  /**
   * Drops both connections and the heartbeat without a word to Redis, as a
   * killed process would: for tests of instance failure.
   */
  abandon(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#book.up = false;
    for (const client of [this.#sub, this.#cmd]) {
      client.removeAllListeners();
      client.on("error", () => {});
      if (client.isOpen) client.destroy();
    }
  }

  #arrived(message: string): void {
    const decoded = decode(message);
    if (!decoded) return;
    this.#book.arrived(decoded.to, decoded.delivery);
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      const interest = this.#book.partnerInstances();
      const recovering = !this.#book.up;
      const [was, others, dead] = await withTimeout(
        this.#eval(TICK, [], [
          this.#prefix,
          this.instance,
          String(this.#book.count()),
          String(this.#ttl),
          recovering ? "1" : "0",
          ...interest,
        ]),
        { ms: this.#timeout, label: "redis" },
      ) as [number, number, string[]];
      if (this.#closed) return;
      this.#lastTick = Date.now();
      this.#book.others = others;
      if (!recovering && was === 0) {
        // Our liveness lapsed: the others have given up on us.
        this.#lose();
        return;
      }
      if (dead.length > 0) {
        const buried = new Set(dead);
        this.#book.bury((instance) => buried.has(instance));
      }
      if (recovering && this.#cmd.isReady && this.#sub.isReady) {
        this.#book.up = true;
        const buffered = this.#buffered;
        this.#buffered = [];
        for (const [to, delivery] of buffered) this.deliver(to, delivery);
      }
    } catch {
      if (Date.now() - this.#lastTick > this.#ttl) this.#lose();
    } finally {
      this.#ticking = false;
    }
  }

  /** Redis is away: end the cross-instance chats and empty the queue here. */
  #lose(): void {
    if (!this.#book.up || this.#closed) return;
    this.#epoch++;
    this.#book.lose();
    queueMicrotask(() => void this.#tick());
  }

  #undeliverable(to: string, delivery: Delivery): void {
    switch (delivery.kind) {
      case "paired":
        // The waiter will never hear of its match: end ours.
        this.#book.unpair(delivery.partner);
        queueMicrotask(() =>
          this.#book.receive(delivery.partner, { kind: "lost" })
        );
        return;
      case "left":
      case "requeue":
        if (this.#buffered.length < MAX_BUFFERED) {
          this.#buffered.push([to, delivery]);
        }
        return;
    }
  }

  async #eval(
    script: string,
    keys: string[],
    args: string[],
  ): Promise<unknown> {
    let sha = this.#shas.get(script);
    if (!sha) this.#shas.set(script, sha = sha1(script));
    try {
      return await this.#cmd.evalSha(sha, { keys, arguments: args });
    } catch (error) {
      if (!String((error as Error)?.message).startsWith("NOSCRIPT")) {
        throw error;
      }
      return await this.#cmd.eval(script, { keys, arguments: args });
    }
  }
}
