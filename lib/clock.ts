/**
 * The time and timers the switchboard's rules run on, injectable so that
 * tests move time by hand.
 *
 * @module
 */

/** Time and one-shot timers. */
export interface Clock {
  /** Milliseconds since epoch. */
  now(): number;
  /** Calls `fn` after `ms`; must not keep the process alive. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer of {@linkcode Clock.setTimeout}. */
  clearTimeout(id: unknown): void;
}

/** The real clock, with timers that do not keep the process alive. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const id = setTimeout(fn, ms);
    Deno.unrefTimer(id);
    return id;
  },
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};
