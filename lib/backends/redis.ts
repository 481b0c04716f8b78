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
type Receive = (to: string, delivery: Delivery) => void;

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

function instanceOf(id: string): string {
  return id.slice(0, id.indexOf(":"));
}

function randomInstanceId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => alphabet[b % 36]).join("");
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("redis timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
  #cmd: Client;
  #sub: Client;
  #prefix: string;
  #localCount: () => number;
  #heartbeat: number;
  #ttl: number;
  #timeout: number;
  #receive: Receive = () => {};
  /** Local peer → its partner on another instance. */
  #partners = new Map<string, string>();
  /** Local peers queued in Redis. */
  #waiting = new Set<string>();
  /** Deliveries that must not be lost to an outage (left, requeue). */
  #buffered: [string, Delivery][] = [];
  #up = false;
  #epoch = 0;
  #others = 0;
  #lastTick = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;
  #closed = false;
  #shas = new Map<string, string>();

  private constructor(url: string, options: RedisBackendOptions) {
    this.instance = randomInstanceId();
    this.idPrefix = this.instance + ":";
    this.#prefix = options.prefix ?? "strangers:";
    this.#localCount = options.localCount ?? (() => 0);
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
      await withTimeout(backend.#start(), Math.max(backend.#timeout, 2000));
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
    if (!this.#up) throw new Error("first heartbeat failed");
    this.#timer = setInterval(() => void this.#tick(), this.#heartbeat);
  }

  /** Takes the oldest live waiter or queues `id`, atomically in Redis. */
  async match(id: string): Promise<string | null> {
    if (!this.#up) throw new Error("redis unavailable");
    const epoch = this.#epoch;
    const reply = this.#eval(MATCH, [
      this.#prefix + "queue",
      this.#prefix + "seq",
      this.#prefix + "waiters:" + this.instance,
    ], [id, this.#prefix]) as Promise<string | null>;
    let partner: string | null;
    try {
      partner = await withTimeout(reply, this.#timeout);
    } catch (error) {
      // The script may still run: hand back whatever it did.
      reply.then((late) => this.#undo(id, late), () => {});
      throw error;
    }
    if (epoch !== this.#epoch) {
      this.#undo(id, partner);
      throw new Error("redis connection was lost");
    }
    if (partner === null) this.#waiting.add(id);
    else if (partner.startsWith(this.idPrefix)) this.#waiting.delete(partner);
    return partner;
  }

  /** Takes `id` out of the queue. */
  async unqueue(id: string): Promise<void> {
    this.#waiting.delete(id);
    if (!this.#up) return;
    await this.#eval(UNQUEUE, [
      this.#prefix + "queue",
      this.#prefix + "waiters:" + this.instance,
    ], [id]);
  }

  /** Publishes `delivery` on the channel of the instance `to` lives on. */
  deliver(to: string, delivery: Delivery): void {
    if (delivery.kind === "paired") {
      this.#partners.set(delivery.partner, to);
    } else if (delivery.kind === "left") {
      this.#partners.delete(delivery.partner);
    }
    if (!this.#up) return this.#undeliverable(to, delivery);
    const message = encode(to, delivery);
    if (message === undefined) return;
    this.#cmd.publish(this.#prefix + "to:" + instanceOf(to), message).catch(
      () => this.#lose(),
    );
  }

  /** Deliveries published to this instance go to `receive`. */
  attach(receive: Receive): void {
    this.#receive = receive;
  }

  /** The local count; 0 while the switchboard is still being built. */
  #count(): number {
    try {
      return this.#localCount();
    } catch {
      return 0;
    }
  }

  /** Visitors on all live instances, or `undefined` while Redis is away. */
  online(): number | undefined {
    return this.#up ? this.#others + this.#count() : undefined;
  }

  /** Whether Redis answers and pairing works. */
  get available(): boolean {
    return this.#up;
  }

  /** Local peers partnered with a peer on another instance. */
  get crossPairs(): number {
    return this.#partners.size;
  }

  /** Stops the heartbeat, forgets this instance in Redis and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#up) {
      try {
        await withTimeout(
          this.#eval(BYE, [], [this.#prefix, this.instance]),
          this.#timeout,
        );
      } catch {
        // Redis is away; our liveness key expires by itself.
      }
    }
    this.#up = false;
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
    this.#up = false;
    for (const client of [this.#sub, this.#cmd]) {
      client.removeAllListeners();
      client.on("error", () => {});
      if (client.isOpen) client.destroy();
    }
  }

  #arrived(message: string): void {
    const decoded = decode(message);
    if (!decoded) return;
    const { to, delivery } = decoded;
    switch (delivery.kind) {
      case "paired":
        this.#waiting.delete(to);
        this.#partners.set(to, delivery.partner);
        break;
      case "left":
        if (this.#partners.get(to) === delivery.partner) {
          this.#partners.delete(to);
        }
        break;
      case "requeue":
        this.#waiting.delete(to);
        break;
    }
    this.#receive(to, delivery);
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      const interest = new Set<string>();
      for (const remote of this.#partners.values()) {
        interest.add(instanceOf(remote));
      }
      const recovering = !this.#up;
      const [was, others, dead] = await withTimeout(
        this.#eval(TICK, [], [
          this.#prefix,
          this.instance,
          String(this.#count()),
          String(this.#ttl),
          recovering ? "1" : "0",
          ...interest,
        ]),
        this.#timeout,
      ) as [number, number, string[]];
      if (this.#closed) return;
      this.#lastTick = Date.now();
      this.#others = others;
      if (!recovering && was === 0) {
        // Our liveness lapsed: the others have given up on us.
        this.#lose();
        return;
      }
      if (dead.length > 0) this.#buried(new Set(dead));
      if (recovering && this.#cmd.isReady && this.#sub.isReady) {
        this.#up = true;
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

  /** Closes with 4000 the local partners of peers on dead instances. */
  #buried(dead: Set<string>): void {
    for (const [local, remote] of [...this.#partners]) {
      if (!dead.has(instanceOf(remote))) continue;
      this.#partners.delete(local);
      this.#receive(local, { kind: "left", partner: remote });
    }
  }

  /** Redis is away: end the cross-instance chats and empty the queue here. */
  #lose(): void {
    if (!this.#up || this.#closed) return;
    this.#up = false;
    this.#epoch++;
    const partners = [...this.#partners.keys()];
    const waiting = [...this.#waiting];
    this.#partners.clear();
    this.#waiting.clear();
    for (const local of partners) this.#receive(local, { kind: "lost" });
    // A waiter asks again and is answered `unavailable` until Redis is back.
    for (const local of waiting) this.#receive(local, { kind: "requeue" });
    queueMicrotask(() => void this.#tick());
  }

  #undeliverable(to: string, delivery: Delivery): void {
    switch (delivery.kind) {
      case "paired":
        // The waiter will never hear of its match: end ours.
        this.#partners.delete(delivery.partner);
        queueMicrotask(() => this.#receive(delivery.partner, { kind: "lost" }));
        return;
      case "left":
      case "requeue":
        if (this.#buffered.length < MAX_BUFFERED) {
          this.#buffered.push([to, delivery]);
        }
        return;
    }
  }

  /** Gives back what a match we no longer trust took from the queue. */
  #undo(id: string, partner: string | null): void {
    if (partner === null) {
      void this.unqueue(id).catch(() => {});
    } else if (partner.startsWith(this.idPrefix)) {
      this.#waiting.delete(partner);
      this.#receive(partner, { kind: "requeue" });
    } else {
      this.deliver(partner, { kind: "requeue" });
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
