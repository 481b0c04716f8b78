/**
 * Time and timers for the chat client, browser code: the store reads the
 * time and sets timers only through a {@linkcode Clock}, so that unit tests
 * can drive it with fake timers.
 *
 * @module
 */

/** A timer handle, opaque: whatever the clock's `setTimeout` returns. */
export type TimerId = unknown;

/** The global timers' handle type (a number in browsers). */
type GlobalTimer = ReturnType<typeof setTimeout>;

/** Time and timers; fake ones serve in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a `setTimeout`; ignores `undefined`. */
  clearTimeout(id: TimerId): void;
  /** Calls `fn` every `ms`. */
  setInterval(fn: () => void, ms: number): TimerId;
  /** Cancels a `setInterval`; ignores `undefined`. */
  clearInterval(id: TimerId): void;
}

/** The page's clock: `Date.now` and the global timers. */
export const SYSTEM_CLOCK: Clock = {
  now() {
    return Date.now();
  },
  setTimeout(fn, ms) {
    return setTimeout(fn, ms);
  },
  clearTimeout(id) {
    clearTimeout(id as GlobalTimer);
  },
  setInterval(fn, ms) {
    return setInterval(fn, ms);
  },
  clearInterval(id) {
    clearInterval(id as GlobalTimer);
  },
};
