/**
 * A clock for tests of the switchboard's pairing cap and of the chat store:
 * time moves only when told, and timers run as it passes them.
 *
 * @module
 */

import type { Clock } from "../../lib/clock.ts";
import type { Clock as UiClock } from "../../lib/ui/clock.ts";

interface Timer {
  at: number;
  fn: () => void;
  /** The period of an interval; one-shot timers have none. */
  every?: number;
}

/**
 * A {@linkcode Clock} (and the chat client's clock, with intervals) that
 * moves by {@linkcode FakeClock.advance} only.
 */
export class FakeClock implements Clock, UiClock {
  time = 1_000_000;
  #timers = new Map<number, Timer>();
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

  setInterval(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn, every: ms });
    return id;
  }

  clearInterval(id: unknown): void {
    this.clearTimeout(id);
  }

  /** Timers not yet run (intervals not yet cleared). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time on by `ms`, running each timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    while (true) {
      let due: [number, Timer] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) {
          due = entry;
        }
      }
      if (!due) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.#timers.delete(id);
      timer.fn();
    }
    this.time = end;
  }
}
