/**
 * The load generator's open pages (`bench/load.ts`): visitors that say
 * `presence` and sit on the first screen, counting the `online` pushes they
 * get while the generator moves the count.
 *
 * Commands:
 * - `{"cmd":"present","count":N,"batch":B}`: open N visitors that say
 *   `presence`, B at a time (default 500).
 * - `{"cmd":"watch","seconds":S,"every":MS}`: they sit for S seconds and
 *   count the pushes; with MS > 0, every MS ms a pair joins (chatting), up
 *   to five, then one leaves, down to none, so that the count moves.
 *
 * @module
 */

import type { PresentReply, WatchReply } from "./generator.ts";
import { percentiles, round, sleep } from "./lib.ts";
import { type Crowd, openedOrClosed, Visitor, Window } from "./load_client.ts";

/** Pairs the count climbs by before it falls back. */
const RAMP = 5;

/** The presence visitors of one generator. */
export class Pages {
  readonly #crowd: Crowd;
  readonly #pages: Visitor[] = [];

  constructor(crowd: Crowd) {
    this.#crowd = crowd;
  }

  /** Opens `count` pages, `batch` handshakes at a time. */
  async add(count: number, batch = 500): Promise<PresentReply> {
    const crowd = this.#crowd;
    const start = performance.now();
    const errorsSince = crowd.errorsFrom();
    const step = batch > 0 ? batch : count;
    for (let i = 0; i < count; i += step) {
      const chunk: Visitor[] = [];
      for (let j = i; j < Math.min(count, i + step); j++) {
        chunk.push(new Visitor(crowd, true));
      }
      this.#pages.push(...chunk);
      await Promise.all(chunk.map(openedOrClosed));
    }
    // Our server answers presence with the count within a round trip.
    await sleep(200);
    const open = this.#open();
    return {
      added: count,
      open: open.length,
      answered: open.filter((v) => v.onlineFrames > 0).length,
      errors: errorsSince().errors,
      elapsedMs: round(performance.now() - start),
    };
  }

  /** Sits `seconds`, moving the count every `every` ms (0: never). */
  async watch(seconds: number, every = 0): Promise<WatchReply> {
    const crowd = this.#crowd;
    const window = crowd.window = new Window();
    window.record = true;
    const errorsSince = crowd.errorsFrom();
    const started = performance.now();
    // Up five pairs, one a second, then down again: a count that flips
    // back within one push interval is (rightly) never pushed, so the
    // count climbs and falls rather than toggling.
    const pairs: Visitor[][] = [];
    let rising = true;
    const step = () => {
      window.changes.push(performance.now());
      if (rising) {
        const pair = [new Visitor(crowd), new Visitor(crowd)];
        for (const v of pair) v.partnerMayLeave = true;
        pairs.push(pair);
        rising = pairs.length < RAMP;
      } else {
        for (const v of pairs.pop()!) v.close();
        rising = pairs.length === 0;
      }
    };
    const timer = every > 0 ? setInterval(step, every) : undefined;
    await sleep(seconds * 1000);
    clearInterval(timer);
    for (const v of pairs.flat()) v.close();
    window.record = false;
    crowd.window = new Window();
    return {
      seconds: round((performance.now() - started) / 1000),
      present: this.#open().length,
      online: window.online,
      changes: window.changes.length,
      seen: percentiles(window.seenLatency),
      ...errorsSince(),
    };
  }

  /** Closes every page. */
  close(): void {
    for (const page of this.#pages) page.close();
  }

  #open(): Visitor[] {
    return this.#pages.filter((v) => v.opened && !v.closed);
  }
}
