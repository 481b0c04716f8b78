/// <reference lib="deno.unstable" />
/**
 * The waiting queue in Deno KV: `["q", "w", seq]` → `[waiter, identity,
 * avoid]` (its ticket), indexed by `["q", "i", instance, local]` → seq.
 * Every change checks and bumps the version key `["q", "v"]` in one atomic
 * operation, so concurrent matches serialize and the loser retries.
 *
 * @module
 */

import { compatible, type Match, type MatchTicket } from "./backend.ts";

/** Queue entries looked at per attempt. */
const LOOK = 32;

/** A queue entry: the waiter's id and ticket. */
type Waiter = [id: string, identity: string, avoid: string[]];

export const NO_TICKET: MatchTicket = { identity: "", avoid: [] };

/** Reads a queue entry; a bare id is one queued before tickets. */
function waiterOf(value: Waiter | string): Waiter {
  return typeof value === "string" ? [value, "", []] : value;
}

function split(id: string): [string, string] {
  const colon = id.indexOf(":");
  return [id.slice(0, colon), id.slice(colon + 1)];
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

/** The queue of one Deno KV database, as one instance sees it. */
export class KvQueue {
  #kv: Deno.Kv;
  #alive: (instance: string) => Promise<boolean>;

  /** `alive` tells whether an instance still beats (its waiters count). */
  constructor(kv: Deno.Kv, alive: (instance: string) => Promise<boolean>) {
    this.#kv = kv;
    this.#alive = alive;
  }

  /**
   * Takes the oldest live waiter `ticket` allows, or queues `id`; waiters
   * of dead instances met on the way leave the queue.
   */
  take(id: string, ticket: MatchTicket): Promise<Match | null> {
    const alive = new Map<string, boolean>();
    return retry(() => this.#attempt(id, ticket, alive));
  }

  /** One try at the queue: `undefined` when the version check failed. */
  async #attempt(
    id: string,
    ticket: MatchTicket,
    alive: Map<string, boolean>,
  ): Promise<Match | null | undefined> {
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
    let partner: Match | null = null;
    let dropped = 0;
    for await (
      const entry of this.#kv.list<Waiter | string>({ prefix: ["q", "w"] }, {
        limit: LOOK,
      })
    ) {
      const [waiter, identity, avoid] = waiterOf(entry.value);
      if (waiter === id) continue;
      const [wInst, wLocal] = split(waiter);
      if (!alive.has(wInst)) alive.set(wInst, await this.#alive(wInst));
      if (alive.get(wInst) && !compatible(ticket, { identity, avoid })) {
        continue;
      }
      op.delete(entry.key).delete(["q", "i", wInst, wLocal]);
      if (alive.get(wInst)) {
        partner = { partner: waiter, identity };
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
      const mine: Waiter = [id, ticket.identity, [...ticket.avoid]];
      op.set(["q", "w", next], mine).set(["q", "i", inst, local], next);
    }
    const { ok } = await op.commit();
    return ok ? partner : undefined;
  }

  /** Takes `id` out of the queue if it is there. */
  async remove(id: string): Promise<void> {
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

  /** Removes the waiters of `inst` from the queue. */
  async purge(inst: string): Promise<void> {
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
