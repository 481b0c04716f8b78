/**
 * One socket's frame budget: two token buckets (chat frames, typing hints)
 * refilled continuously, and a sliding window over the frames past budget
 * that tells when a socket is abusive rather than merely fast, and how often
 * a refusal may be answered, so that a flood is never answered frame for
 * frame. Every frame counts, text or binary. Pure: the
 * clock is injected, so it is tested without sockets or waiting.
 *
 * @module
 */

/** How long the excess frames that make a socket abusive may take. */
export const ABUSE_WINDOW_MS = 10_000;

/** How long after one `error` frame of a code the next may be sent. */
export const ANSWER_WINDOW_MS = 1_000;

/** Options for {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Chat frames refilled per second. */
  rate: number;
  /** Chat frames that may come at once. */
  burst: number;
  /** Typing hints refilled per second (the bucket holds two seconds' worth). */
  typingRate: number;
  /** Excess frames within {@linkcode ABUSE_WINDOW_MS} that make abuse. */
  abuseLimit: number;
  /** Milliseconds from a monotonic clock. @default {performance.now} */
  now?: () => number;
}

/** What {@linkcode RateLimiter.take} decides for one frame. */
export type Verdict = "ok" | "excess" | "abuse";

/** Decides, frame by frame, whether a socket is within its budget. */
export class RateLimiter {
  #options: RateLimiterOptions;
  #now: () => number;
  #tokens: number;
  #typingTokens: number;
  #refilledAt: number;
  // When the last `abuseLimit` excess frames came, as a ring; allocated on
  // the first excess only, since most sockets never have one.
  #excessTimes: Float64Array | undefined;
  #excessNext = 0;
  // When each error code was last answered; allocated on the first refusal.
  #answeredAt: Map<string, number> | undefined;

  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.burst;
    this.#typingTokens = options.typingRate * 2;
    this.#refilledAt = this.#now();
  }

  /**
   * Spends a token for a chat frame (or a typing hint). `excess` when the
   * bucket is empty; `abuse` when, besides, the last `abuseLimit` excess
   * frames all came within {@linkcode ABUSE_WINDOW_MS}.
   */
  take(typing: boolean): Verdict {
    const { rate, burst, typingRate } = this.#options;
    const now = this.#now();
    const elapsed = (now - this.#refilledAt) / 1000;
    this.#refilledAt = now;
    this.#tokens = Math.min(burst, this.#tokens + elapsed * rate);
    this.#typingTokens = Math.min(
      typingRate * 2,
      this.#typingTokens + elapsed * typingRate,
    );
    if (typing ? this.#typingTokens >= 1 : this.#tokens >= 1) {
      if (typing) this.#typingTokens--;
      else this.#tokens--;
      return "ok";
    }
    const limit = Math.max(1, this.#options.abuseLimit);
    const times = this.#excessTimes ??= new Float64Array(limit).fill(-Infinity);
    times[this.#excessNext] = now;
    this.#excessNext = (this.#excessNext + 1) % limit;
    return now - times[this.#excessNext] <= ABUSE_WINDOW_MS
      ? "abuse"
      : "excess";
  }

  /**
   * True when a refusal with `code` may be answered with an `error` frame:
   * at most once per {@linkcode ANSWER_WINDOW_MS} per code. A client that
   * repeats a mistake learns of it once a second, not once a frame.
   */
  mayAnswer(code: string): boolean {
    const now = this.#now();
    const answered = this.#answeredAt ??= new Map();
    const last = answered.get(code);
    if (last !== undefined && now - last < ANSWER_WINDOW_MS) return false;
    answered.set(code, now);
    return true;
  }
}
