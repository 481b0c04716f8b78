/**
 * The reconnect timer of the chat client, browser code: schedules the next
 * attempt after a backoff one step longer than the last (see
 * `reconnect.ts`) and counts down the seconds left for the wait screen.
 *
 * @module
 */

import type { Clock, TimerId } from "./clock.ts";
import { backoffDelay, secondsLeft } from "./reconnect.ts";

/** A socket that stayed open this long resets the reconnect backoff. */
export const STABLE_MS = 10_000;
/** How often the countdown refreshes. */
const COUNTDOWN_MS = 250;

/** Options for {@linkcode createRetryTimer}. */
export interface RetryTimerOptions {
  /** Time and timers. */
  clock: Clock;
  /** Randomness for the backoff's jitter, in [0, 1).
   * @default {Math.random} */
  random?: () => number;
  /** Seconds left until the attempt; 0 once none is scheduled. */
  onCountdown(seconds: number): void;
  /** The delay is over: try again now. */
  onRetry(): void;
}

/** The timer between reconnect attempts. */
export interface RetryTimer {
  /**
   * Schedules the next attempt. `openedAt` is when the socket that dropped
   * had opened (0 if it never did): a long-lived one resets the backoff.
   * `delay` (ms), when the server said how long to wait, replaces the
   * backoff's.
   */
  schedule(openedAt: number, delay?: number): void;
  /** Cancels the scheduled attempt, if any. */
  cancel(): void;
  /** The next attempt waits the shortest delay again. */
  resetBackoff(): void;
}

/** Creates the timer; nothing is scheduled until {@linkcode RetryTimer.schedule}. */
export function createRetryTimer(options: RetryTimerOptions): RetryTimer {
  const { clock, onCountdown, onRetry } = options;
  const random = options.random ?? Math.random;
  let attempt = 0;
  let timer: TimerId;
  let countdown: TimerId;

  function cancel(): void {
    clock.clearTimeout(timer);
    clock.clearInterval(countdown);
    timer = countdown = undefined;
    onCountdown(0);
  }

  function schedule(openedAt: number, delay?: number): void {
    cancel();
    if (openedAt && clock.now() - openedAt > STABLE_MS) attempt = 0;
    const deadline = clock.now() +
      (delay ?? backoffDelay(attempt++, { random }));
    const tick = () => onCountdown(secondsLeft(deadline, clock.now()));
    tick();
    countdown = clock.setInterval(tick, COUNTDOWN_MS);
    timer = clock.setTimeout(() => {
      cancel();
      onRetry();
    }, deadline - clock.now());
  }

  return {
    schedule,
    cancel,
    resetBackoff() {
      attempt = 0;
    },
  };
}
