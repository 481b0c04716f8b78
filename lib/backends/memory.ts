/**
 * The in-memory backend: one process, nothing else to run. Waiters are
 * listed in insertion-ordered maps, one per matching key (`matching.ts`),
 * so a match looks at the heads of a few keys and a waiter who leaves is
 * dropped from its keys in O(keys); a key nobody is listed under is
 * forgotten.
 *
 * @module
 */

import {
  type Backend,
  compatible,
  type MatchResult,
  type MatchTicket,
} from "./backend.ts";

/** Waiters looked at per key and match, from the head of its list. */
export const MATCH_SCAN = 64;

/** The in-memory {@linkcode Backend}: one process, nothing else to run. */
export class MemoryBackend implements Backend {
  readonly kind = "memory";
  readonly shared = false;
  readonly idPrefix = "";
  #waiters = new Map<string, MatchTicket>();
  /** Per key, its waiters in the order they were listed. */
  #keys = new Map<string, Map<string, MatchTicket>>();

  /** Pairs with the longest waiter `ticket` finds, or queues `id`. */
  match(id: string, ticket: MatchTicket, again = false): MatchResult {
    const queued = this.#waiters.get(id);
    if (again && !queued) return "taken";
    if (queued) this.#unlist(id, queued);
    for (const tier of ticket.look) {
      let best: [string, MatchTicket] | undefined;
      for (const key of tier) {
        const found = this.#head(this.#keys.get(key), id, ticket);
        if (found && (!best || found[1].since < best[1].since)) best = found;
      }
      if (best) {
        const [partner, theirs] = best;
        this.#unlist(partner, theirs);
        const { identity, interests, lang, subjects } = theirs;
        return { partner, identity, interests, lang, subjects };
      }
    }
    this.#waiters.set(id, ticket);
    for (const key of ticket.list) {
      let listed = this.#keys.get(key);
      if (!listed) this.#keys.set(key, listed = new Map());
      listed.set(id, ticket);
    }
    return null;
  }

  /** Drops `id` from the queue. */
  unqueue(id: string): void {
    const ticket = this.#waiters.get(id);
    if (ticket) this.#unlist(id, ticket);
  }

  /**
   * The longest waiter of `listed` that `ticket` allows, among the first
   * MATCH_SCAN. A key's list is in the order of listing, which is the
   * order of `since` but for a waiter that fell back (listed late, with its
   * old `since`): so the few looked at are compared, not just the first.
   */
  #head(
    listed: Map<string, MatchTicket> | undefined,
    id: string,
    ticket: MatchTicket,
  ): [string, MatchTicket] | undefined {
    if (!listed) return undefined;
    let best: [string, MatchTicket] | undefined;
    let looked = 0;
    for (const entry of listed) {
      if (++looked > MATCH_SCAN) break;
      if (entry[0] === id || !compatible(ticket, entry[1])) continue;
      if (!best || entry[1].since < best[1].since) best = entry;
    }
    return best;
  }

  #unlist(id: string, ticket: MatchTicket): void {
    this.#waiters.delete(id);
    for (const key of ticket.list) {
      const listed = this.#keys.get(key);
      if (!listed) continue;
      listed.delete(id);
      if (listed.size === 0) this.#keys.delete(key);
    }
  }

  /**
   * Every peer is local here, so the switchboard asks this only for a peer
   * that has already left (the second `left` of a pair that ends): there is
   * nobody to deliver to, and nothing is lost.
   */
  deliver(): void {}

  /** Nothing arrives from elsewhere, and the local count is the whole count. */
  attach(): void {}

  /** Local count is the whole count. */
  online(): undefined {
    return undefined;
  }

  /** How many are waiting (for health and metrics). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** How many keys have someone listed (flat under churn; for tests). */
  get keys(): number {
    return this.#keys.size;
  }

  /** Nothing to release. */
  close(): void {}
}
