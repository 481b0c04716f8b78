/**
 * The visitor's typing indicator as the partner sees it, browser code:
 * `on: true` goes out on the first keystroke (after a send or a pause too,
 * so the partner sees it at once), again at most once per
 * {@linkcode TYPING_EVERY_MS} while the visitor types, and `on: false` once
 * when the draft empties, the line is sent or the visitor falls silent.
 *
 * Changes of state spend tokens from a small bucket, below the server's
 * typing rate (2 a second, burst 4): type-clear-type in a loop sends the
 * latest state when a token is back, never more frames than the server
 * takes.
 *
 * @module
 */

import type { Clock, TimerId } from "./clock.ts";

/** Typing frames go out at most this often while the visitor types. */
export const TYPING_EVERY_MS = 2000;
/** The visitor counts as stopped typing after this much silence. */
export const TYPING_IDLE_MS = 5000;
/** Frames that may go out back to back. */
export const TYPING_BURST = 3;
/** One more frame may go out after this long. */
export const TYPING_REFILL_MS = 600;

/** Options for {@linkcode createTypingThrottle}. */
export interface TypingThrottleOptions {
  /** Time and timers. */
  clock: Clock;
  /** Sends one `typing` frame. */
  send(on: boolean): void;
}

/** The throttle of the visitor's own `typing` frames. */
export interface TypingThrottle {
  /** The visitor is typing (`true`) or stopped (`false`). */
  set(on: boolean): void;
  /**
   * Our line went out: `on: false` goes before it when a token allows, and
   * the partner's indicator hides on the line anyway, so the next
   * keystroke says `on: true` again at once.
   */
  sent(): void;
  /** A new socket: nobody there was told the visitor is typing. */
  reset(): void;
  /** Cancels the timers. */
  stop(): void;
}

/** Creates the throttle; it sends nothing until {@linkcode TypingThrottle.set}. */
export function createTypingThrottle(
  options: TypingThrottleOptions,
): TypingThrottle {
  const { clock, send } = options;
  let idle: TimerId;
  let later: TimerId;
  let want = false;
  let told = false;
  let sentAt = -Infinity;
  let tokens = TYPING_BURST;
  let filledAt = clock.now();

  function refill(): void {
    const now = clock.now();
    const gained = Math.floor((now - filledAt) / TYPING_REFILL_MS);
    if (tokens + gained >= TYPING_BURST) {
      tokens = TYPING_BURST;
      filledAt = now;
    } else if (gained > 0) {
      tokens += gained;
      filledAt += gained * TYPING_REFILL_MS;
    }
  }

  function flush(): void {
    const keepAlive = want && clock.now() - sentAt >= TYPING_EVERY_MS;
    if (want === told && !keepAlive) return;
    refill();
    if (tokens === 0) {
      if (later === undefined) {
        later = clock.setTimeout(() => {
          later = undefined;
          flush();
        }, filledAt + TYPING_REFILL_MS - clock.now());
      }
      return;
    }
    tokens--;
    told = want;
    if (want) sentAt = clock.now();
    send(want);
  }

  function set(typing: boolean): void {
    clock.clearTimeout(idle);
    if (typing) idle = clock.setTimeout(() => set(false), TYPING_IDLE_MS);
    want = typing;
    flush();
  }

  function reset(): void {
    want = told = false;
    sentAt = -Infinity;
    clock.clearTimeout(later);
    later = undefined;
  }

  return {
    set,
    sent() {
      set(false);
      reset();
    },
    reset,
    stop() {
      clock.clearTimeout(idle);
      clock.clearTimeout(later);
      later = undefined;
    },
  };
}
