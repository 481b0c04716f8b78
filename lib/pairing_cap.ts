/**
 * The pairing cap: requests per minute per address group that may enter
 * matching. Past it a request is parked, in order, until the group's
 * sliding minute has room, so one address cannot keep a socket in front of
 * every visitor. Pure of sockets; time comes from a {@linkcode Clock}.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

const MINUTE = 60_000;

/** A group's requests counted in the last minute, and its parked ones. */
interface GroupBook<T> {
  /** When each counted request entered matching, oldest first. */
  times: number[];
  parked: T[];
  timer: unknown;
}

/** Options for {@linkcode PairingCap}. */
export interface PairingCapOptions<T> {
  /** Requests per minute per group; 0: no cap. */
  perMinute: number;
  clock: Clock;
  /** Called with a parked request once its group has room for it. */
  release: (item: T) => void;
}

/** Counts requests per group and parks those past the cap. */
export class PairingCap<T> {
  #options: PairingCapOptions<T>;
  #groups = new Map<string, GroupBook<T>>();
  #lastSweep = 0;

  constructor(options: PairingCapOptions<T>) {
    this.#options = options;
  }

  /**
   * Counts `item`'s request against `group`'s minute and returns true, or
   * parks it (false) when the group is over its cap or others of it wait
   * already. The group `""` (unknown) is never capped.
   */
  admit(group: string, item: T): boolean {
    if (this.#options.perMinute === 0 || group === "") return true;
    this.#sweep();
    let book = this.#groups.get(group);
    if (!book) {
      book = { times: [], parked: [], timer: undefined };
      this.#groups.set(group, book);
    }
    if (book.parked.length === 0 && this.#count(book)) return true;
    book.parked.push(item);
    this.#schedule(book);
    return false;
  }

  /** Forgets a parked `item` (it left before its turn). */
  unpark(group: string, item: T): void {
    const book = this.#groups.get(group);
    if (!book) return;
    const at = book.parked.indexOf(item);
    if (at !== -1) book.parked.splice(at, 1);
    if (book.parked.length === 0 && book.timer !== undefined) {
      this.#options.clock.clearTimeout(book.timer);
      book.timer = undefined;
    }
  }

  /** Stops every timer; parked requests stay parked. */
  dispose(): void {
    for (const book of this.#groups.values()) {
      if (book.timer !== undefined) {
        this.#options.clock.clearTimeout(book.timer);
      }
      book.timer = undefined;
    }
  }

  /** Counts one request now if the group's last minute has room for it. */
  #count(book: GroupBook<T>): boolean {
    const now = this.#options.clock.now();
    while (book.times.length > 0 && book.times[0] <= now - MINUTE) {
      book.times.shift();
    }
    if (book.times.length >= this.#options.perMinute) return false;
    book.times.push(now);
    return true;
  }

  #schedule(book: GroupBook<T>): void {
    if (book.timer !== undefined) return;
    const { clock, release } = this.#options;
    const delay = Math.max(0, book.times[0] + MINUTE - clock.now());
    book.timer = clock.setTimeout(() => {
      book.timer = undefined;
      while (book.parked.length > 0 && this.#count(book)) {
        release(book.parked.shift()!);
      }
      if (book.parked.length > 0) this.#schedule(book);
    }, delay);
  }

  /** Forgets groups whose minute has passed, at most once a minute. */
  #sweep(): void {
    const now = this.#options.clock.now();
    if (now - this.#lastSweep < MINUTE) return;
    this.#lastSweep = now;
    for (const [group, book] of this.#groups) {
      if (
        book.parked.length === 0 && (book.times.at(-1) ?? 0) <= now - MINUTE
      ) {
        this.#groups.delete(group);
      }
    }
  }
}
