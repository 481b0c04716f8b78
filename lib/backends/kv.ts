/// <reference lib="deno.unstable" />
/**
 * The Deno KV backend: pairs visitors across processes that share one KV
 * database (a local SQLite file, or Deno Deploy's KV). Needs `--unstable-kv`.
 *
 * - The queue is `["q", "w", seq]` → waiter, with the index
 *   `["q", "i", instance, local]` → seq. Every change to it checks and bumps
 *   the version key `["q", "v"]` in one atomic operation, so concurrent
 *   matches serialize: the loser of a race sees a failed check and retries.
 * - Each instance has an inbox `["m", instance, time, sender, seq]`. Senders
 *   write batches in order; the owner reads its inbox in key order and
 *   deletes what it handled. It wakes on `kv.watch` of `["n", instance]`
 *   (bumped with each batch) and, because a local SQLite file does not
 *   report other processes' writes to `watch`, also polls.
 * - `["inst", instance]` holds `{ count, at }`, refreshed every second. An
 *   instance whose `at` is older than the TTL is dead: its partners here
 *   are closed with 4000 and its waiters leave the queue.
 * - A delivery KV refuses is reported lost to the switchboard; one written
 *   to the inbox of an instance that has died expires unread.
 *
 * @module
 */

import type { Delivery } from "./backend.ts";
import { ClusterBackend, instanceOf, withTimeout } from "./cluster.ts";

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
}

type Instance = { count: number; at: number };

/** Deliveries per atomic write: well inside KV's 1000 mutations, 800 KiB. */
const BATCH = 100;
/** Queue entries looked at per attempt. */
const LOOK = 8;

function split(id: string): [string, string] {
  const colon = id.indexOf(":");
  return [id.slice(0, colon), id.slice(colon + 1)];
}

/** The retry of SQLite's "database is locked" when handles write at once. */
function isBusy(error: unknown): boolean {
  return String((error as Error)?.message).includes("database is locked");
}

/**
 * Runs `attempt` until it returns a result other than `undefined` (which
 * means a failed check: someone else changed the queue first), waiting a
 * moment after each "database is locked".
 */
async function retry<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch (error) {
      if (!isBusy(error)) throw error;
      await new Promise((r) => setTimeout(r, 1 + Math.random() * 4 * (i + 1)));
    }
  }
  throw new Error("kv queue too contended");
}

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
  #matching: Promise<void> = Promise.resolve();
  #outbox: [string, Delivery][] = [];
  #flushing: Promise<void> | undefined;
  #draining = false;
  #drainAgain = false;
  #sent = 0;
  #lastTime = 0;
  #lastBeat = 0;
  #closed = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #watch: ReadableStream<Deno.KvEntryMaybe<unknown>[]> | undefined;

  private constructor(kv: Deno.Kv, options: KvBackendOptions, poll: number) {
    super();
    this.#kv = kv;
    this.#heartbeat = options.heartbeat ?? 1000;
    this.#ttl = options.ttl ?? 3000;
    this.#poll = options.poll ?? poll;
    this.#timeout = options.timeout ?? 1500;
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
    const kv = await Deno.openKv(deploy ? undefined : path);
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
    await this.#beat();
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

  /** Takes the oldest live waiter or queues `id`, atomically. */
  async match(id: string): Promise<string | null> {
    if (!this.up) throw new Error("kv unavailable");
    // One attempt at a time per instance: racing ourselves only adds retries.
    // The timeout counts from our turn, so a burst queues rather than fails.
    let turn!: Promise<string | null>;
    const timed = this.#matching.then(() => {
      turn = this.#match(id);
      return withTimeout(turn, { ms: this.#timeout, label: "kv" });
    });
    // The chain only orders the turns: each caller sees its own failure.
    this.#matching = timed.then(() => {}, () => {});
    try {
      return await timed;
    } catch (error) {
      if (!turn) throw error;
      // The attempt may still succeed: hand back whatever it takes. One that
      // failed took nothing, and the timeout is the error thrown here.
      turn.then((late) => this.undo(id, late), () => {});
      throw error;
    }
  }

  #match(id: string): Promise<string | null> {
    const alive = new Map<string, boolean>();
    return retry(() => this.#attempt(id, alive));
  }

  /** One try at the queue: `undefined` when the version check failed. */
  async #attempt(
    id: string,
    alive: Map<string, boolean>,
  ): Promise<string | null | undefined> {
    const [inst, local] = split(id);
    const [version, mine] = await this.#kv.getMany<[bigint, bigint]>([
      ["q", "v"],
      ["q", "i", inst, local],
    ]);
    const op = this.#kv.atomic().check(version);
    const next = (version.value ?? 0n) + 1n;
    op.set(["q", "v"], next);
    if (mine.value !== null) {
      op.delete(["q", "w", mine.value]).delete(mine.key);
    }
    let partner: string | null = null;
    let dropped = 0;
    for await (
      const entry of this.#kv.list<string>({ prefix: ["q", "w"] }, {
        limit: LOOK,
      })
    ) {
      if (entry.value === id) continue;
      const [wInst, wLocal] = split(entry.value);
      if (!alive.has(wInst)) alive.set(wInst, await this.#alive(wInst));
      op.delete(entry.key).delete(["q", "i", wInst, wLocal]);
      if (alive.get(wInst)) {
        partner = entry.value;
        break;
      }
      dropped++;
    }
    if (partner === null && dropped === LOOK) {
      // A page of dead waiters: clear it and look again.
      await op.commit();
      return undefined;
    }
    if (partner === null) {
      op.set(["q", "w", next], id).set(["q", "i", inst, local], next);
    }
    const { ok } = await op.commit();
    if (!ok) return undefined;
    this.matched(id, partner);
    return partner;
  }

  /** Takes `id` out of the queue. */
  async unqueue(id: string): Promise<void> {
    this.unqueued(id);
    const [inst, local] = split(id);
    await retry(async () => {
      const [version, mine] = await this.#kv.getMany<[bigint, bigint]>([
        ["q", "v"],
        ["q", "i", inst, local],
      ]);
      if (mine.value === null) return true;
      const { ok } = await this.#kv.atomic().check(version, mine)
        .set(["q", "v"], (version.value ?? 0n) + 1n)
        .delete(["q", "w", mine.value]).delete(mine.key).commit();
      return ok || undefined;
    });
  }

  /**
   * Writes `delivery` to the inbox of the instance `to` lives on. One that
   * KV refuses, or that comes after `close`, is lost.
   */
  deliver(to: string, delivery: Delivery): void {
    this.sending(to, delivery);
    // `lost` is made where the loss is seen and never crosses instances.
    if (delivery.kind === "lost" || this.#closed) {
      return this.lost(to, delivery);
    }
    this.#outbox.push([to, delivery]);
    this.#flushing ??= this.#flush();
  }

  /** Stops the timers, forgets this instance and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushing;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    try {
      await this.#purge(this.instance);
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
          const inst = instanceOf(to);
          notify.add(inst);
          op.set(["m", inst, time, this.instance, this.#sent++], [
            to,
            delivery,
          ], { expireIn: 60_000 });
        }
        for (const inst of notify) op.sum(["n", inst], 1n);
        try {
          await retry(async () => (await op.commit(), true));
        } catch {
          // KV refused: these deliveries are lost like a dropped packet; the
          // heartbeat decides whether the pairs survive.
          for (const [to, delivery] of batch) this.lost(to, delivery);
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
          await this.#purge(inst);
          await this.#kv.delete(entry.key);
        }
      }
      this.others = others;
      this.up = true;
      this.bury((instance) => !live.has(instance));
    } catch {
      // One heartbeat that fails is weather; only a silence longer than the
      // TTL is an outage, since the others give up on us after it.
      if (Date.now() - this.#lastBeat > this.#ttl) this.lose();
    }
  }

  /** Removes the waiters of `inst` from the queue. */
  async #purge(inst: string): Promise<void> {
    await retry(async () => {
      const version = await this.#kv.get<bigint>(["q", "v"]);
      const op = this.#kv.atomic().check(version)
        .set(["q", "v"], (version.value ?? 0n) + 1n);
      let n = 0;
      for await (
        const entry of this.#kv.list<bigint>({ prefix: ["q", "i", inst] }, {
          limit: 400,
        })
      ) {
        op.delete(entry.key).delete(["q", "w", entry.value]);
        n++;
      }
      if (n === 0) return true;
      const { ok } = await op.commit();
      return (ok && n < 400) || undefined;
    });
  }
}
