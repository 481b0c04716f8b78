/**
 * The sign-in throttle: failed attempts counted per address group in a
 * fixed window; past the limit the group waits for the window's end. Memory
 * stays bounded: finished windows are swept, and past a cap the oldest
 * group is forgotten. Pure: time comes from the clock given.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK } from "../clock.ts";

/** Options for {@linkcode SignInThrottle}. */
export interface SignInThrottleOptions {
  /** Failed attempts per group and window. @default {5} */
  limit?: number;
  /** The window, in milliseconds. @default {15 minutes} */
  windowMs?: number;
  /** Groups remembered at most. @default {10000} */
  maxGroups?: number;
  /** @default {SYSTEM_CLOCK} */
  clock?: Clock;
}

interface Window {
  failures: number;
  until: number;
}

/** Failed sign-ins per address group. */
export class SignInThrottle {
  #windows = new Map<string, Window>();
  #limit: number;
  #windowMs: number;
  #maxGroups: number;
  #clock: Clock;
  #lastSweep = 0;

  constructor(options: SignInThrottleOptions = {}) {
    this.#limit = options.limit ?? 5;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#maxGroups = options.maxGroups ?? 10_000;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Seconds `group` must wait before it may try again; 0 when it may now. */
  retryAfter(group: string): number {
    const window = this.#current(group);
    if (!window || window.failures < this.#limit) return 0;
    return Math.max(1, Math.ceil((window.until - this.#clock.now()) / 1000));
  }

  /**
   * Counts a failed attempt from `group`; returns how many it has made in
   * this window.
   */
  failed(group: string): number {
    const now = this.#clock.now();
    this.#sweep(now);
    let window = this.#current(group);
    if (!window) {
      if (this.#windows.size >= this.#maxGroups) {
        this.#windows.delete(this.#windows.keys().next().value!);
      }
      window = { failures: 0, until: now + this.#windowMs };
      this.#windows.set(group, window);
    }
    return ++window.failures;
  }

  /** The limit per window. */
  get limit(): number {
    return this.#limit;
  }

  #current(group: string): Window | undefined {
    const window = this.#windows.get(group);
    if (window && window.until <= this.#clock.now()) {
      this.#windows.delete(group);
      return undefined;
    }
    return window;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const [group, window] of this.#windows) {
      if (window.until <= now) this.#windows.delete(group);
    }
  }
}
