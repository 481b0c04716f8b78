/**
 * Counters and a histogram for `/metrics` and `/healthz`, kept as plain
 * numbers so that counting costs nothing on the hot path.
 *
 * @module
 */

/** Upper bounds (seconds) of the pairing-wait histogram buckets. */
export const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** What the server counts. */
export class Metrics {
  /** Frames refused, by error code or close reason. */
  readonly rejected = new Map<string, number>();
  /** Closed sockets, by close code. */
  readonly closes = new Map<number, number>();
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
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
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
