/**
 * The visitor's typing indicator as the partner sees it, browser code:
 * `typing` frames go out at most once per {@linkcode TYPING_EVERY_MS} while
 * the visitor types, and `on: false` once when the draft empties, the line
 * is sent or the visitor falls silent.
 *
 * @module
 */

import type { Clock, TimerId } from "./clock.ts";

/** Typing frames go out at most this often while the visitor types. */
export const TYPING_EVERY_MS = 2000;
/** The visitor counts as stopped typing after this much silence. */
export const TYPING_IDLE_MS = 5000;

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
  /** A new socket: nobody there was told the visitor is typing. */
  reset(): void;
  /** Cancels the silence timer. */
  stop(): void;
}

/** Creates the throttle; it sends nothing until {@linkcode TypingThrottle.set}. */
export function createTypingThrottle(
  options: TypingThrottleOptions,
): TypingThrottle {
  const { clock, send } = options;
  let idle: TimerId;
  let sentAt = -Infinity;
  let on = false;

  function set(typing: boolean): void {
    clock.clearTimeout(idle);
    if (typing) {
      idle = clock.setTimeout(() => set(false), TYPING_IDLE_MS);
      if (clock.now() - sentAt < TYPING_EVERY_MS) return;
      sentAt = clock.now();
      on = true;
      send(true);
    } else if (on) {
      // sentAt stays: "on" keeps its 2 s spacing across an "off", so
      // type-clear-type never exceeds the server's typing rate.
      on = false;
      send(false);
    }
  }

  return {
    set,
    reset() {
      on = false;
    },
    stop() {
      clock.clearTimeout(idle);
    },
  };
}
