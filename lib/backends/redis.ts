/**
 * The Redis backend: pairs visitors across instances that share one Redis.
 *
 * - The queue is a sorted set per matching key (`matching.ts`), each
 *   scored by when its waiters asked, and a hash of their tickets
 *   (`redis_scripts.ts`). One Lua script per match takes the longest waiter
 *   the caller's ticket finds in its first tier that has one, out of every
 *   key it is listed under, or lists the caller under its keys, in one
 *   atomic step: that is what makes "never self, never two partners for one
 *   waiter, never a recent partner" hold.
 * - Deliveries to a peer on another instance are published on that
 *   instance's one channel (`<prefix>to:<instance>`), named after the
 *   instance id that starts every peer id, written as `redis_codec.ts`
 *   says; one to every instance (`EVERYWHERE`: a resume looking for its
 *   chat) on the channel all share (`<prefix>all`). The deliveries of one
 *   task to one channel go as one `PUBLISH` (`redis_outbox.ts`). A delivery
 *   nobody hears (that instance is gone) or Redis refuses is reported lost
 *   to the switchboard; a chat line's delivery answers
 *   whether Redis took it, so that its sender sees it echoed only then.
 * - Every second each instance refreshes its liveness key (3 s TTL) and its
 *   connected count. The same step sums the counts of live instances and
 *   reports which instances we have partners on have died, so their partners
 *   here are closed with 4000 and their waiters leave the queue.
 * - At most 64 match scripts are in flight per instance (a burst waits its
 *   turn here, in order), and a timeout counts only Redis's silence: under
 *   a burst it is our own process that reads replies late.
 * - When Redis goes away, `match` rejects at once (or after a timeout when
 *   Redis hangs), pairs that span instances are closed with 1011, and
 *   pairing resumes by itself once the client has reconnected.
 *
 * @module
 */

import { createClient } from "@redis/client";
import {
  type Delivery,
  EVERYWHERE,
  type MatchResult,
  type MatchTicket,
} from "./backend.ts";
import { ClusterBackend, instanceOf, withTimeout } from "./cluster.ts";
import {
  decodeDelivery,
  encodeBatch,
  encodeDelivery,
  splitBatch,
} from "./redis_codec.ts";
import { Gate } from "./gate.ts";
import { type Batch, Outbox } from "./redis_outbox.ts";
import {
  BYE,
  MATCH,
  matchOf,
  type MatchReply,
  runScript,
  TICK,
  UNQUEUE,
} from "./redis_scripts.ts";

/** Options for {@linkcode RedisBackend}. */
export interface RedisBackendOptions {
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
  /**
   * Milliseconds by which a waiter of this instance may have asked after the
   * longest waiter of the tier that has one and still be taken instead (0:
   * strictly the longest).
   * @default {0} */
  localWindow?: number;
}

type Client = ReturnType<typeof createClient>;

/**
 * Match scripts sent at once: enough to keep Redis busy, few enough that
 * one waits milliseconds behind them and the heartbeat too.
 */
const MATCHES_IN_FLIGHT = 64;

/** Leaves buffered while Redis is away, sent when it is back. */
const MAX_BUFFERED = 10_000;

/**
 * A {@linkcode ClusterBackend} on Redis, for several instances behind one
 * address.
 * Create it with {@linkcode RedisBackend.connect}, which resolves once both
 * connections are up and the first heartbeat is in.
 */
export class RedisBackend extends ClusterBackend {
  readonly kind = "redis";
  #cmd: Client;
  #sub: Client;
  #prefix: string;
  #heartbeat: number;
  #ttl: number;
  #timeout: number;
  #localWindow: number;
  /** Deliveries that must not be lost to an outage (left, requeue). */
  #buffered: [string, Delivery][] = [];
  #epoch = 0;
  #lastTick = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;
  #closed = false;
  #outbox = new Outbox((channel, batch) => void this.#publish(channel, batch));
  /** When the command connection last answered (for the timeouts). */
  #heardAt = Date.now();
  /** Match scripts in flight: a burst waits here, in order, not in Redis. */
  #matching = new Gate(MATCHES_IN_FLIGHT);

  private constructor(url: string, options: RedisBackendOptions) {
    super();
    this.#prefix = options.prefix ?? "strangers:";
    this.#heartbeat = options.heartbeat ?? 1000;
    this.#ttl = options.ttl ?? 3000;
    this.#timeout = options.timeout ?? 1500;
    this.#localWindow = options.localWindow ?? 0;
    const socket = {
      connectTimeout: this.#timeout,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
    };
    this.#cmd = createClient({ url, socket, disableOfflineQueue: true });
    this.#sub = this.#cmd.duplicate();
    for (const client of [this.#cmd, this.#sub]) {
      // Errors surface here on every reconnect attempt; match reports them.
      client.on("error", () => this.#outage());
      client.on("end", () => this.#outage());
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
      [this.#prefix + "to:" + this.instance, this.#prefix + "all"],
      (message: string) => this.#heard(message),
    );
    await this.#tick();
    if (!this.up) throw new Error("first heartbeat failed");
    this.#timer = setInterval(() => void this.#tick(), this.#heartbeat);
  }

  /**
   * Takes the longest live waiter `ticket` finds or queues `id` with it,
   * atomically in Redis; `again`: `id` was queued, and is `"taken"` if no
   * longer.
   */
  match(
    id: string,
    ticket: MatchTicket,
    again = false,
  ): Promise<MatchResult> {
    return this.#matching.run(() => this.#match(id, ticket, again));
  }

  async #match(
    id: string,
    ticket: MatchTicket,
    again: boolean,
  ): Promise<MatchResult> {
    // Also after a turn in the gate: Redis may have gone away meanwhile.
    if (!this.up) throw new Error("redis unavailable");
    const epoch = this.#epoch;
    const { identity, avoid, interests, lang, subjects, list } = ticket;
    const reply = (this.#run(MATCH, [
      this.#prefix,
      id,
      String(ticket.since),
      again ? "1" : "0",
      JSON.stringify({ identity, avoid, interests, lang, subjects, list }),
      JSON.stringify(ticket.look),
      String(this.#localWindow),
    ]) as Promise<MatchReply>).then(matchOf);
    let match: MatchResult;
    try {
      match = await this.#timed(reply);
    } catch (error) {
      // The script may still run: hand back whatever it did. A script that
      // failed took nothing, and its error is the one thrown here.
      reply.then((late) => this.undo(id, late), () => {});
      throw error;
    }
    if (epoch !== this.#epoch) {
      this.undo(id, match);
      throw new Error("redis connection was lost");
    }
    this.matched(id, match);
    return match;
  }

  /** Takes `id` out of the queue. */
  async unqueue(id: string): Promise<void> {
    this.unqueued(id);
    if (!this.up) return;
    await this.#run(UNQUEUE, [this.#prefix, id]);
  }

  /**
   * Publishes `delivery` on the channel of the instance `to` lives on. One
   * that nobody hears (that instance is gone) or Redis refuses is lost. For
   * a frame, resolves whether Redis took it and someone there listens.
   */
  deliver(to: string, delivery: Delivery): void | Promise<boolean> {
    this.sending(to, delivery);
    if (!this.up) {
      this.#undeliverable(to, delivery);
      return delivery.kind === "frame" ? Promise.resolve(false) : undefined;
    }
    const message = encodeDelivery(to, delivery);
    // `lost` is made where the loss is seen and never crosses instances.
    if (message === undefined) return this.lost(to, delivery);
    const channel = to === EVERYWHERE ? "all" : "to:" + instanceOf(to);
    return this.#outbox.add(channel, to, delivery, message);
  }

  /** Publishes `batch` on `channel`; what nobody hears or Redis refuses is lost. */
  async #publish(channel: string, batch: Batch): Promise<void> {
    let listeners: number;
    try {
      listeners = await this.#cmd.publish(
        this.#prefix + channel,
        encodeBatch(batch.messages),
      );
      this.#heardAt = Date.now();
    } catch {
      listeners = -1; // refused, or the client is gone: thrown or rejected
    }
    if (listeners <= 0) {
      for (const [to, delivery] of batch.deliveries) this.lost(to, delivery);
    }
    if (listeners === -1) this.#outage();
    batch.settle?.(listeners > 0);
  }

  /** Stops the heartbeat, forgets this instance in Redis and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#outbox.flush();
    if (this.up) {
      try {
        await this.#timed(this.#run(BYE, [this.#prefix, this.instance]));
      } catch {
        // Redis is away; our liveness key expires by itself.
      }
    }
    this.#disconnect();
  }

  /**
   * Drops both connections and the heartbeat without a word to Redis, as a
   * killed process would: for tests of instance failure.
   */
  abandon(): void {
    this.#outbox.drop();
    this.#closed = true;
    clearInterval(this.#timer);
    this.#disconnect();
  }

  #disconnect(): void {
    this.up = false;
    for (const client of [this.#sub, this.#cmd]) {
      client.removeAllListeners();
      // A destroyed client may still report its socket's end: we are done
      // with it, and every delivery it carried was counted when it failed.
      client.on("error", () => {});
      if (client.isOpen) client.destroy();
    }
  }

  #heard(batch: string): void {
    for (const message of splitBatch(batch)) {
      const decoded = decodeDelivery(message);
      if (decoded) this.arrived(decoded.to, decoded.delivery);
    }
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      const interest = this.partnerInstances();
      const recovering = !this.up;
      const [was, others, dead] = await this.#timed(
        this.#run(TICK, [
          this.#prefix,
          this.instance,
          String(this.localCount()),
          String(this.#ttl),
          recovering ? "1" : "0",
          ...interest,
        ]),
      ) as [number, number, string[]];
      if (this.#closed) return;
      this.#lastTick = Date.now();
      this.others = others;
      if (!recovering && was === 0) {
        // Our liveness lapsed: the others have given up on us.
        this.#outage();
        return;
      }
      if (dead.length > 0) {
        const buried = new Set(dead);
        this.bury((instance) => buried.has(instance));
      }
      if (recovering && this.#cmd.isReady && this.#sub.isReady) {
        this.up = true;
        const buffered = this.#buffered;
        this.#buffered = [];
        for (const [to, delivery] of buffered) this.deliver(to, delivery);
      }
    } catch {
      // One heartbeat that fails is weather; only a silence longer than the
      // TTL is an outage, since the others give up on us after it.
      if (Date.now() - this.#lastTick > this.#ttl) this.#outage();
    } finally {
      this.#ticking = false;
    }
  }

  /** Redis is away: end the cross-instance chats and empty the queue here. */
  #outage(): void {
    if (!this.up || this.#closed) return;
    this.#epoch++;
    this.lose();
    queueMicrotask(() => void this.#tick());
  }

  #undeliverable(to: string, delivery: Delivery): void {
    switch (delivery.kind) {
      case "paired":
        // The waiter will never hear of its match: end ours.
        this.unpair(delivery.partner);
        queueMicrotask(() => this.receive(delivery.partner, { kind: "lost" }));
        break;
      case "left":
      case "requeue":
        if (!this.#closed && this.#buffered.length < MAX_BUFFERED) {
          this.#buffered.push([to, delivery]);
          return;
        }
        break;
    }
    this.lost(to, delivery);
  }

  /** Runs a script; a reply is Redis heard from. */
  async #run(script: string, args: string[]): Promise<unknown> {
    const reply = await runScript(this.#cmd, script, args);
    this.#heardAt = Date.now();
    return reply;
  }

  /** `reply`, or a timeout once Redis has answered nothing for as long. */
  #timed<T>(reply: Promise<T>): Promise<T> {
    return withTimeout(reply, {
      ms: this.#timeout,
      label: "redis",
      heardAt: () => this.#heardAt,
    });
  }
}
