/// <reference lib="deno.unstable" />
/**
 * The waiting queue in Deno KV, indexed by matching key (`matching.ts`):
 *
 * - `["q", "t", instance, local]` → the waiter's {@linkcode Stored} ticket.
 *   A waiter is queued exactly while it has one; listing an instance's
 *   tickets finds its waiters when it dies.
 * - `["q", "k", key, since, seq]` → `[waiter, identity, avoid]`, one entry
 *   per key the waiter is listed under, so that a key lists its waiters
 *   longest first and a match reads only the heads of its keys. A key
 *   nobody waits under has no entries, and leaves nothing behind.
 * - `["q", "v"]`: the version. Every change checks and bumps it in one
 *   atomic operation, so concurrent matches serialize and the loser
 *   retries; its value at listing is `seq`, unique, which orders the
 *   waiters who asked in the same millisecond.
 *
 * @module
 */

import { compatible, type MatchResult, type MatchTicket } from "./backend.ts";

/** Waiters looked at per key and attempt, from the head of its list. */
export const LOOK = 32;
/**
 * Waiters purged per atomic write, or dropped per attempt when found dead:
 * each takes a dozen mutations at most, and a write allows 1000.
 */
const PURGE_PAGE = 50;

/** A waiter's ticket as the queue keeps it. */
export interface Stored {
  identity: string;
  avoid: string[];
  interests: string[];
  lang: string;
  /** Who a report against it is about (absent: stored by an older version). */
  subjects?: string[];
  /** The keys it is listed under. */
  list: string[];
  since: number;
  /** The version that listed it: its entries end with it. */
  seq: bigint;
}

/** What a key's entry holds: enough to tell whether a requester may take it. */
type Entry = [id: string, identity: string, avoid: string[]];

/** A waiter listed under a key, where its entry is. */
interface Found {
  id: string;
  since: number;
  seq: bigint;
  key: Deno.KvKey;
}

/** The first waiter of a key a requester may take, and dead ones met on the way. */
interface Head {
  found?: Found;
  /** The first of the requester's own instance, if within the window. */
  near?: Found;
  /** Entries of waiters of dead instances: their ids and keys. */
  dead: [string, Deno.KvKey][];
}

function split(id: string): [string, string] {
  const colon = id.indexOf(":");
  return [id.slice(0, colon), id.slice(colon + 1)];
}

function ticketKey(id: string): Deno.KvKey {
  return ["q", "t", ...split(id)];
}

/** Whether `a` asked before `b` (the same millisecond: listed before). */
function before(a: { since: number; seq: bigint }, b: typeof a): boolean {
  return a.since < b.since || (a.since === b.since && a.seq < b.seq);
}

/** The retry of SQLite's "database is locked" when handles write at once. */
export function isBusy(error: unknown): boolean {
  return String((error as Error)?.message).includes("database is locked");
}

/**
 * Runs `attempt` until it returns a result other than `undefined` (which
 * means a failed check: someone else changed the queue first), waiting a
 * moment after each "database is locked".
 */
export async function retry<T>(
  attempt: () => Promise<T | undefined>,
): Promise<T> {
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

/** Options for {@linkcode KvQueue}. */
export interface KvQueueOptions {
  /** Whether an instance still beats (its waiters count). */
  alive: (instance: string) => Promise<boolean>;
  /** The instance this queue matches for. */
  local: string;
  /**
   * Milliseconds by which a waiter of `local` may have asked after the
   * longest waiter of a tier and still be taken instead (0: never).
   */
  window: number;
}

/** The queue of one Deno KV database, as one instance sees it. */
export class KvQueue {
  #kv: Deno.Kv;
  #alive: (instance: string) => Promise<boolean>;
  #local: string;
  #window: number;

  /** The queue in `kv`, matching for the instance `options.local`. */
  constructor(kv: Deno.Kv, options: KvQueueOptions) {
    this.#kv = kv;
    this.#alive = options.alive;
    this.#local = options.local;
    this.#window = options.window;
  }

  /**
   * Takes the longest live waiter `ticket` finds in the first tier of its
   * `look` that has one, or lists `id` under `ticket.list`; waiters of dead
   * instances met on the way leave the queue. `again`: `id` was queued,
   * and is `"taken"` if no longer.
   */
  take(id: string, ticket: MatchTicket, again = false): Promise<MatchResult> {
    const alive = new Map<string, Promise<boolean>>();
    const isAlive = (inst: string) => {
      let known = alive.get(inst);
      if (!known) alive.set(inst, known = this.#alive(inst));
      return known;
    };
    return retry(() => this.#attempt(id, ticket, again, isAlive));
  }

  /** One try at the queue: `undefined` when the version check failed. */
  async #attempt(
    id: string,
    ticket: MatchTicket,
    again: boolean,
    alive: (instance: string) => Promise<boolean>,
  ): Promise<MatchResult | undefined> {
    const [version, mine] = await this.#kv.getMany<[bigint, Stored]>([
      ["q", "v"],
      ticketKey(id),
    ]);
    if (again && mine.value === null) return "taken";
    // Every key of every tier at once: the version check makes them one look.
    const keys = [...new Set(ticket.look.flat())];
    const heads = new Map(
      await Promise.all(
        keys.map(async (key) =>
          [key, await this.#head(key, id, ticket, alive)] as const
        ),
      ),
    );
    const dead = [...heads.values()].flatMap((head) => head.dead)
      .slice(0, PURGE_PAGE);
    let best: Found | undefined;
    for (const tier of ticket.look) {
      let near: Found | undefined;
      for (const key of tier) {
        const head = heads.get(key)!;
        if (head.found && (!best || before(head.found, best))) {
          best = head.found;
        }
        if (head.near && (!near || before(head.near, near))) near = head.near;
      }
      // One of ours a little after the longest: the chat stays here.
      if (best && near && near.since <= best.since + this.#window) best = near;
      if (best) break;
    }
    const op = this.#kv.atomic().check(version);
    const next = (version.value ?? 0n) + 1n;
    op.set(["q", "v"], next);
    for (const waiter of new Set(dead.map(([waiter]) => waiter))) {
      const entry = await this.#kv.get<Stored>(ticketKey(waiter));
      if (entry.value) unlist(op, waiter, entry.value);
    }
    // Entries with no ticket left: none should be, but none may stay.
    for (const [, key] of dead) op.delete(key);
    if (!best && dead.length > 0) {
      // Dead waiters may hide live ones behind them: clear and look again.
      await op.commit();
      return undefined;
    }
    const requeue = !best;
    if (mine.value) unlist(op, id, mine.value, requeue);
    let result: MatchResult = null;
    if (best) {
      const theirs = await this.#kv.get<Stored>(ticketKey(best.id));
      if (!theirs.value) {
        // Changed since we looked (the check fails), or a stray: drop it.
        await this.#kv.atomic().check(version).set(["q", "v"], next)
          .delete(best.key).commit();
        return undefined;
      }
      unlist(op, best.id, theirs.value);
      const { identity, interests, lang, subjects = [] } = theirs.value;
      result = { partner: best.id, identity, interests, lang, subjects };
    } else {
      list(op, id, ticket, next);
    }
    const { ok } = await op.commit();
    return ok ? result : undefined;
  }

  /**
   * The first waiter of `key` that `ticket` allows, within the look; and,
   * with a window, the first of our own instance that asked at most that
   * long after it.
   */
  async #head(
    key: string,
    id: string,
    ticket: MatchTicket,
    alive: (instance: string) => Promise<boolean>,
  ): Promise<Head> {
    const head: Head = { dead: [] };
    for await (
      const entry of this.#kv.list<Entry>({ prefix: ["q", "k", key] }, {
        limit: LOOK,
      })
    ) {
      const [waiter, identity, avoid] = entry.value;
      const [since, seq] = entry.key.slice(3) as [number, bigint];
      const { found } = head;
      if (found && (this.#window <= 0 || since > found.since + this.#window)) {
        break;
      }
      const mine = split(waiter)[0] === this.#local;
      if (waiter === id || (found && !mine)) continue;
      if (!await alive(split(waiter)[0])) {
        head.dead.push([waiter, entry.key]);
      } else if (compatible(ticket, { identity, avoid })) {
        head.found ??= { id: waiter, since, seq, key: entry.key };
        if (mine && this.#window > 0) {
          head.near = { id: waiter, since, seq, key: entry.key };
        }
        if (mine || this.#window <= 0) break;
      }
    }
    return head;
  }

  /** Takes `id` out of the queue if it is there. */
  async remove(id: string): Promise<void> {
    await retry(async () => {
      const [version, mine] = await this.#kv.getMany<[bigint, Stored]>([
        ["q", "v"],
        ticketKey(id),
      ]);
      if (mine.value === null) return true;
      const op = this.#kv.atomic().check(version)
        .set(["q", "v"], (version.value ?? 0n) + 1n);
      unlist(op, id, mine.value);
      const { ok } = await op.commit();
      return ok || undefined;
    });
  }

  /** Removes the waiters of `inst` from the queue. */
  async purge(inst: string): Promise<void> {
    await retry(async () => {
      const version = await this.#kv.get<bigint>(["q", "v"]);
      const op = this.#kv.atomic().check(version)
        .set(["q", "v"], (version.value ?? 0n) + 1n);
      let n = 0;
      for await (
        const entry of this.#kv.list<Stored>({ prefix: ["q", "t", inst] }, {
          limit: PURGE_PAGE,
        })
      ) {
        unlist(op, `${inst}:${entry.key[3] as string}`, entry.value);
        n++;
      }
      if (n === 0) return true;
      const { ok } = await op.commit();
      return (ok && n < PURGE_PAGE) || undefined;
    });
  }
}

/** Adds to `op` what takes `id`, queued as `stored`, out of every key. */
function unlist(
  op: Deno.AtomicOperation,
  id: string,
  stored: Stored,
  keepTicket = false,
): void {
  for (const key of stored.list) {
    op.delete(["q", "k", key, stored.since, stored.seq]);
  }
  if (!keepTicket) op.delete(ticketKey(id));
}

/** Adds to `op` what lists `id` under `ticket.list`, as of version `seq`. */
function list(
  op: Deno.AtomicOperation,
  id: string,
  ticket: MatchTicket,
  seq: bigint,
): void {
  const { identity, since } = ticket;
  const avoid = [...ticket.avoid];
  const stored: Stored = {
    identity,
    avoid,
    interests: [...ticket.interests],
    lang: ticket.lang,
    subjects: [...ticket.subjects],
    list: [...ticket.list],
    since,
    seq,
  };
  op.set(ticketKey(id), stored);
  const entry: Entry = [id, identity, avoid];
  for (const key of ticket.list) op.set(["q", "k", key, since, seq], entry);
}
