/**
 * The in-memory backend: one process, nothing else to run. The queue is an
 * insertion-ordered set, so pairing is first come, first served and a waiter
 * who leaves is dropped in O(1).
 *
 * @module
 */

import type { Backend } from "./backend.ts";

/** The in-memory {@linkcode Backend}: one process, nothing else to run. */
export class MemoryBackend implements Backend {
  readonly kind = "memory";
  readonly shared = false;
  readonly idPrefix = "";
  /** Insertion-ordered: the first key is the longest waiter. */
  #queue = new Set<string>();

  /** Pairs with the longest waiter or queues `id`. */
  match(id: string): string | null {
    for (const waiter of this.#queue) {
      if (waiter === id) break;
      this.#queue.delete(waiter);
      return waiter;
    }
    this.#queue.add(id);
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
