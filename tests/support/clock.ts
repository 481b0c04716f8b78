/**
 * A clock for tests of the switchboard's pairing cap: time moves only when
 * told, and timers run as it passes them.
 *
 * @module
 */

import type { Clock } from "../../lib/clock.ts";

/** A {@linkcode Clock} that moves by {@linkcode FakeClock.advance} only. */
export class FakeClock implements Clock {
  time = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.#timers.delete(id as number);
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time on by `ms`, running each timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    while (true) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) {
          due = entry;
        }
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}
