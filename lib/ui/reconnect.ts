/**
 * Jittered exponential backoff for reconnecting after the server restarted
 * (close 1001) or the connection dropped (1006): 0.5 s, 1 s, 2 s, … capped at
 * 20 s, each delay spread ±25 % so that a restarted server is not hit by every
 * visitor in the same millisecond.
 *
 * @module
 */

/** Options for {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** The first delay, in milliseconds.
   * @default {500} */
  base?: number;
  /** The longest delay, in milliseconds.
   * @default {20000} */
  cap?: number;
  /** Spread of the jitter as a fraction of the delay (0 = none).
   * @default {0.5} */
  jitter?: number;
  /** Source of randomness in [0, 1).
   * @default {Math.random} */
  random?: () => number;
}

/**
 * The delay before reconnect attempt number `attempt` (0 for the first), in
 * whole milliseconds: `base · 2^attempt`, jittered, never above `cap`.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
): number {
  const base = options.base ?? 500;
  const cap = options.cap ?? 20_000;
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  const n = Math.max(0, Math.floor(attempt));
  const raw = Math.min(cap, base * 2 ** Math.min(n, 30));
  const spread = raw * jitter * (random() - 0.5);
  return Math.round(Math.min(cap, Math.max(base / 2, raw + spread)));
}

/** Whole seconds left until `deadline` (ms since epoch), at least 1. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(1, Math.ceil((deadline - now) / 1000));
}
