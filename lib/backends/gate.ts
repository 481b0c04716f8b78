/**
 * A gate that lets at most `limit` holders in at once and queues the rest in
 * the order they came. The Redis backend sends its match scripts through
 * one: a burst of thousands of requests then reaches Redis as a steady
 * stream, so that the timeout on each script measures Redis, not our own
 * backlog, and the heartbeat never waits behind thousands of them. The KV
 * backend's match attempts take turns through one of a single place.
 *
 * @module
 */

/** At most `limit` holders at once; the others wait their turn, in order. */
export class Gate {
  #free: number;
  /** Those waiting, from `#head` on (shifting a long array is slow). */
  #queue: (() => void)[] = [];
  #head = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`gate limit ${limit} < 1`);
    this.#free = limit;
  }

  /** How many wait for a turn. */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Resolves once it is the caller's turn; {@linkcode leave} ends it. */
  enter(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  /** Runs `task` in its turn, which ends when `task` settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await task();
    } finally {
      this.leave();
    }
  }

  /** Gives the turn to the next in line, or frees it. */
  leave(): void {
    if (this.#head === this.#queue.length) {
      this.#free++;
      return;
    }
    const next = this.#queue[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    next();
  }
}
