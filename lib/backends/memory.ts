/**
 * The in-memory backend: one process, nothing else to run. The queue is an
 * insertion-ordered map of waiters to their tickets, so pairing is first
 * come, first served (skipping the waiters a ticket rules out) and a waiter
 * who leaves is dropped in O(1).
 *
 * @module
 */

import {
  type Backend,
  compatible,
  type Match,
  type MatchTicket,
} from "./backend.ts";

/** Waiters looked at per match, from the head of the queue. */
export const MATCH_SCAN = 64;

const NO_TICKET: MatchTicket = { identity: "", avoid: [] };

/** The in-memory {@linkcode Backend}: one process, nothing else to run. */
export class MemoryBackend implements Backend {
  readonly kind = "memory";
  readonly shared = false;
  readonly idPrefix = "";
  /** Insertion-ordered: the first key is the longest waiter. */
  #queue = new Map<string, MatchTicket>();

  /** Pairs with the longest waiter `ticket` allows, or queues `id`. */
  match(id: string, ticket: MatchTicket = NO_TICKET): Match | null {
    let looked = 0;
    for (const [waiter, theirs] of this.#queue) {
      if (++looked > MATCH_SCAN) break;
      if (waiter === id || !compatible(ticket, theirs)) continue;
      this.#queue.delete(waiter);
      return { partner: waiter, identity: theirs.identity };
    }
    if (!this.#queue.has(id)) this.#queue.set(id, ticket);
    return null;
  }

  /** Drops `id` from the queue. */
  unqueue(id: string): void {
    this.#queue.delete(id);
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
    return this.#queue.size;
  }

  /** Nothing to release. */
  close(): void {}
}
