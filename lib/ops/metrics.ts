/**
 * Counters and a histogram for `/metrics` and `/healthz`, kept as plain
 * numbers so that counting costs nothing on the hot path.
 *
 * @module
 */

import { CLOSE } from "../ws/protocol.ts";

/** Upper bounds (seconds) of the pairing-wait histogram buckets. */
export const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** What the server counts. */
export class Metrics {
  /** Frames refused, by error code or close reason. */
  readonly rejected = new Map<string, number>();
  /**
   * Closed sockets, by close code: a known code as its number, any other as
   * its bucket (see {@linkcode closeCodeLabel}).
   */
  readonly closes = new Map<number | string, number>();
  /** Handshakes refused before upgrading, by reason. */
  readonly refused = new Map<string, number>();
  /** Pairing waits: count per bucket (the last one is +Inf). */
  readonly waitBuckets = new Array<number>(WAIT_BUCKETS.length + 1).fill(0);
  waitSum = 0;
  waitCount = 0;
  /** Errors caught at the top of the process (never a crash). */
  uncaught = 0;

  /** Counts one refused frame. */
  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  /** Counts one closed socket. */
  closed(code: number): void {
    const label = closeCodeLabel(code);
    this.closes.set(label, (this.closes.get(label) ?? 0) + 1);
  }

  /** Counts one refused handshake. */
  refuse(reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  /** Records how long a visitor waited for a partner. */
  observeWait(seconds: number): void {
    let i = 0;
    while (i < WAIT_BUCKETS.length && seconds > WAIT_BUCKETS[i]) i++;
    this.waitBuckets[i]++;
    this.waitSum += seconds;
    this.waitCount++;
  }
}

// The codes RFC 6455 and IANA define (1000–1015) and our own: anything else
// is the client's choice, and a label per choice would grow without bound.
const KNOWN_CLOSE_CODES = new Set<number>([
  ...Array.from({ length: 16 }, (_, i) => 1000 + i),
  ...Object.values(CLOSE).map((c) => c.code),
]);

/**
 * The metric label of a close code: a known code as it is, any other as
 * `other_1xxx`, `other_2xxx`, `other_3xxx` or `other_4xxx` (`other` outside
 * 1000–4999), so client-chosen codes make at most five label values.
 */
export function closeCodeLabel(code: number): number | string {
  if (KNOWN_CLOSE_CODES.has(code)) return code;
  return Number.isInteger(code) && code >= 1000 && code <= 4999
    ? `other_${Math.floor(code / 1000)}xxx`
    : "other";
}
