/// <reference lib="deno.unstable" />
/**
 * The Deno KV backend: pairs visitors across processes that share one KV
 * database (a local SQLite file, or Deno Deploy's KV). Needs `--unstable-kv`.
 *
 * - The queue ({@linkcode KvQueue}) lists each waiter under its matching
 *   keys (`matching.ts`), so a match reads the heads of a few keys; its
 *   version is checked and bumped atomically with every change, so
 *   concurrent matches serialize.
 * - Each instance has an inbox `["m", instance, time, sender, seq]`. Senders
 *   write batches in order; the owner reads its inbox in key order and
 *   deletes what it handled. It wakes on `kv.watch` of `["n", instance]`
 *   (bumped with each batch) and, because a local SQLite file does not
 *   report other processes' writes to `watch`, also polls.
 * - `["inst", instance]` holds `{ count, at }`, refreshed every second. An
 *   instance whose `at` is older than the TTL is dead: its partners here
 *   are closed with 4000 and its waiters leave the queue.
 * - A delivery KV refuses is reported lost to the switchboard; one written
 *   to the inbox of an instance that has died expires unread. A chat line's
 *   delivery answers whether its batch was written, so that its sender sees
 *   it echoed only then.
 *
 * @module
 */

import {
  type Delivery,
  EVERYWHERE,
  type MatchResult,
  type MatchTicket,
} from "./backend.ts";
import { ClusterBackend, instanceOf, withTimeout } from "./cluster.ts";
import { Gate } from "./gate.ts";
import { isBusy, KvQueue, retry } from "./kv_queue.ts";

/**
 * Opens the database, waiting while another process that opens the same
 * file at the same moment holds its lock ("database is locked").
 */
async function openKv(path: string | undefined): Promise<Deno.Kv> {
  for (let i = 0;; i++) {
    try {
      return await Deno.openKv(path);
    } catch (error) {
      if (!isBusy(error) || i >= 40) throw error;
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
}

/** Options for {@linkcode KvBackend}. */
export interface KvBackendOptions {
  /** Milliseconds between two heartbeats.
   * @default {1000} */
  heartbeat?: number;
  /** Milliseconds an instance stays alive without a heartbeat.
   * @default {3000} */
  ttl?: number;
  /** Milliseconds between two looks at the inbox besides `watch` (0: none).
   * @default {50, or 0 for Deno Deploy} */
  poll?: number;
  /** Milliseconds before a pairing attempt gives up.
   * @default {1500} */
  timeout?: number;
  /**
   * Milliseconds by which a waiter of the caller's own instance may have
   * asked after the longest waiter of the tier that has one and still be
   * taken instead (0: strictly the longest).
   * @default {0} */
  localWindow?: number;
}

type Instance = { count: number; at: number };

/** Deliveries per atomic write: well inside KV's 1000 mutations, 800 KiB. */
const BATCH = 100;
/**
 * A {@linkcode ClusterBackend} on Deno KV. Create it with
 * {@linkcode KvBackend.open}.
 */
export class KvBackend extends ClusterBackend {
  readonly kind = "kv";
  #kv: Deno.Kv;
  #heartbeat: number;
  #ttl: number;
  #poll: number;
  #timeout: number;
  /** Match attempts take turns, one at a time, in order. */
  #matching = new Gate(1);
  #outbox: [string, Delivery, ((ok: boolean) => void)?][] = [];
  #flushing: Promise<void> | undefined;
  #draining = false;
  #drainAgain = false;
  #sent = 0;
  #lastTime = 0;
  #lastBeat = 0;
  /** The other live instances, as of the last heartbeat. */
  #live = new Set<string>();
  #closed = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #watch: ReadableStream<Deno.KvEntryMaybe<unknown>[]> | undefined;
  #queue: KvQueue;

  private constructor(kv: Deno.Kv, options: KvBackendOptions, poll: number) {
    super();
    this.#kv = kv;
    this.#heartbeat = options.heartbeat ?? 1000;
    this.#ttl = options.ttl ?? 3000;
    this.#poll = options.poll ?? poll;
    this.#timeout = options.timeout ?? 1500;
    this.#queue = new KvQueue(kv, {
      alive: (inst) => this.#alive(inst),
      local: this.instance,
      window: options.localWindow ?? 0,
    });
  }

  /**
   * Opens the database at `path` (`":deploy"`: Deno Deploy's own) and
   * announces this instance.
   */
  static async open(
    path: string,
    options: KvBackendOptions = {},
  ): Promise<KvBackend> {
    const deploy = path === ":deploy";
    const kv = await openKv(deploy ? undefined : path);
    const backend = new KvBackend(kv, options, deploy ? 0 : 50);
    try {
      await backend.#start();
    } catch (error) {
      await backend.close();
      throw error;
    }
    return backend;
  }

  async #start(): Promise<void> {
    // Another process may hold the file's write lock for a moment.
    for (let i = 0; i < 40 && !this.up; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      await this.#beat();
    }
    if (!this.up) throw new Error("cannot write to Deno KV");
    this.#timers.push(setInterval(() => void this.#beat(), this.#heartbeat));
    if (this.#poll > 0) {
      this.#timers.push(setInterval(() => void this.#drain(), this.#poll));
    }
    this.#watch = this.#kv.watch([["n", this.instance]]);
    (async () => {
      try {
        for await (const _ of this.#watch!) void this.#drain();
      } catch {
        // The stream ends with the database.
      }
    })();
  }

  /**
   * Takes the longest live waiter `ticket` finds or queues `id` with it,
   * atomically; `again`: `id` was queued, and is `"taken"` if no longer.
   */
  async match(
    id: string,
    ticket: MatchTicket,
    again = false,
  ): Promise<MatchResult> {
    if (!this.up) throw new Error("kv unavailable");
    // One attempt at a time per instance: racing ourselves only adds retries.
    // The timeout counts from our turn, so a burst queues rather than fails.
    return await this.#matching.run(async () => {
      const turn = this.#match(id, ticket, again);
      try {
        return await withTimeout(turn, { ms: this.#timeout, label: "kv" });
      } catch (error) {
        // The attempt may still succeed: hand back whatever it takes. One
        // that failed took nothing, and the timeout is the error thrown here.
        turn.then((late) => this.undo(id, late), () => {});
        throw error;
      }
    });
  }

  async #match(
    id: string,
    ticket: MatchTicket,
    again: boolean,
  ): Promise<MatchResult> {
    const result = await this.#queue.take(id, ticket, again);
    this.matched(id, result);
    return result;
  }

  /** Takes `id` out of the queue. */
  async unqueue(id: string): Promise<void> {
    this.unqueued(id);
    await this.#queue.remove(id);
  }

  /**
   * Writes `delivery` to the inbox of the instance `to` lives on. One that
   * KV refuses, or that comes after `close`, is lost. For a frame, resolves
   * whether its batch was written.
   */
  deliver(to: string, delivery: Delivery): void | Promise<boolean> {
    this.sending(to, delivery);
    // `lost` is made where the loss is seen and never crosses instances.
    if (delivery.kind === "lost" || this.#closed) {
      this.lost(to, delivery);
      return delivery.kind === "frame" ? Promise.resolve(false) : undefined;
    }
    let written: Promise<boolean> | undefined;
    if (delivery.kind === "frame") {
      const { promise, resolve } = Promise.withResolvers<boolean>();
      this.#outbox.push([to, delivery, resolve]);
      written = promise;
    } else {
      this.#outbox.push([to, delivery]);
    }
    this.#flushing ??= this.#flush();
    return written;
  }

  /** Stops the timers, forgets this instance and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushing;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    try {
      await this.#queue.purge(this.instance);
      await this.#kv.delete(["inst", this.instance]);
    } catch {
      // Our heartbeat goes stale by itself.
    }
    // A watch that fails to cancel ends with the database closed next.
    await this.#watch?.cancel().catch(() => {});
    this.#kv.close();
  }

  async #flush(): Promise<void> {
    try {
      while (this.#outbox.length > 0 && !this.#closed) {
        const batch = this.#outbox.splice(0, BATCH);
        const op = this.#kv.atomic();
        const notify = new Set<string>();
        // Keys must grow per sender for the inbox to keep our order.
        const time = this.#lastTime = Math.max(this.#lastTime, Date.now());
        for (const [to, delivery] of batch) {
          const insts = to === EVERYWHERE
            ? [this.instance, ...this.#live]
            : [instanceOf(to)];
          for (const inst of insts) {
            notify.add(inst);
            op.set(["m", inst, time, this.instance, this.#sent++], [
              to,
              delivery,
            ], { expireIn: 60_000 });
          }
        }
        for (const inst of notify) op.sum(["n", inst], 1n);
        try {
          await retry(async () => (await op.commit(), true));
          for (const [, , done] of batch) done?.(true);
        } catch {
          // KV refused: these deliveries are lost like a dropped packet; the
          // heartbeat decides whether the pairs survive.
          for (const [to, delivery, done] of batch) {
            this.lost(to, delivery);
            done?.(false);
          }
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #drain(): Promise<void> {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        const keys: Deno.KvKey[] = [];
        for await (
          const entry of this.#kv.list<[string, Delivery]>({
            prefix: ["m", this.instance],
          }, { limit: 500 })
        ) {
          keys.push(entry.key);
          if (!this.#closed) this.arrived(...entry.value);
        }
        for (let i = 0; i < keys.length; i += BATCH) {
          const op = this.#kv.atomic();
          for (const key of keys.slice(i, i + BATCH)) op.delete(key);
          // Handled already: the delete must not be skipped, or they repeat.
          await retry(async () => (await op.commit(), true));
        }
        if (keys.length === 500) this.#drainAgain = true;
      } while (this.#drainAgain && !this.#closed);
    } catch {
      // Next poll or watch event tries again.
    } finally {
      this.#draining = false;
    }
  }

  async #alive(inst: string): Promise<boolean> {
    if (inst === this.instance) return true;
    const entry = await this.#kv.get<Instance>(["inst", inst]);
    return entry.value !== null && Date.now() - entry.value.at <= this.#ttl;
  }

  async #beat(): Promise<void> {
    if (this.#closed) return;
    try {
      if (Date.now() - this.#lastBeat > this.#ttl) {
        // We were silent too long: the others have given up on us.
        this.lose();
      }
      await withTimeout(
        this.#kv.set(["inst", this.instance], {
          count: this.localCount(),
          at: Date.now(),
        }, { expireIn: 60_000 }),
        { ms: this.#timeout, label: "kv" },
      );
      this.#lastBeat = Date.now();
      let others = 0;
      const live = new Set<string>();
      for await (const entry of this.#kv.list<Instance>({ prefix: ["inst"] })) {
        const inst = entry.key[1] as string;
        if (inst === this.instance) continue;
        if (Date.now() - entry.value.at <= this.#ttl) {
          others += entry.value.count;
          live.add(inst);
        } else {
          await this.#queue.purge(inst);
          await this.#kv.delete(entry.key);
        }
      }
      this.others = others;
      this.#live = live;
      this.up = true;
      this.bury((instance) => !live.has(instance));
    } catch {
      // One heartbeat that fails is weather; only a silence longer than the
      // TTL is an outage, since the others give up on us after it.
      if (Date.now() - this.#lastBeat > this.#ttl) this.lose();
    }
  }
}
