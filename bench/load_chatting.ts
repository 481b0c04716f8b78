/**
 * The load generator's realistic chatters (`bench/load.ts`), for the
 * capacity scenario: visitors in chats who write a line about every 5 s,
 * send a `typing` frame while composing it, and leave now and then.
 *
 * Command: `{"cmd":"chat","count":N,"seconds":S}`: tops the chatters up to N
 * (paired two by two, 500 handshakes at a time), then for S seconds each
 * one types for 1–3 s and sends a line, every 4–6 s; and each second, so
 * that 1 in 20 leaves a minute, a few chats end (one side leaves, the server
 * closes the other with 4000) and two new visitors join in their place.
 * Lines are stamped as everywhere in the generator, so the reply has their
 * relay latency.
 *
 * @module
 */

import type { ChatReply } from "./generator.ts";
import { percentiles, round, sleep, watchStalls } from "./lib.ts";
import { type Crowd, pairedOrClosed, Visitor, Window } from "./load_client.ts";

const TYPING = '{"type":"typing","on":true}';
/** A line about every 5 s: uniformly 4–6 s apart. */
const LINE_EVERY = [4000, 6000] as const;
/** Typing starts 1–3 s before the line. */
const TYPING_BEFORE = [1000, 3000] as const;
/** How long a joining chatter waits for a partner before it gives up. */
const LONE_WAIT = 5000;
/** Of the chatters, the share that leaves each minute. */
const LEAVING_PER_MINUTE = 1 / 20;

const between = ([low, high]: readonly [number, number]) =>
  low + Math.random() * (high - low);

/** The chatters of one generator. */
export class Chatters {
  readonly #crowd: Crowd;
  /** Chatters in a chat now, in pairs as they joined. */
  #chatting: Visitor[] = [];
  #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(crowd: Crowd) {
    this.#crowd = crowd;
  }

  /** Tops up to `count` chatters, then chats for `seconds`. */
  async chat(count: number, seconds: number): Promise<ChatReply> {
    const crowd = this.#crowd;
    const errorsSince = crowd.errorsFrom();
    const joined = await this.#join(Math.max(0, count - this.#live().length));
    const window = crowd.window = new Window();
    window.record = true;
    const stalls = watchStalls();
    const started = performance.now();
    const stopAt = started + seconds * 1000;
    for (const visitor of this.#live()) this.#schedule(visitor, stopAt);
    let replaced = 0;
    let owed = 0;
    while (performance.now() < stopAt) {
      await sleep(1000);
      owed += this.#live().length * LEAVING_PER_MINUTE / 60;
      for (; owed >= 2; owed -= 2) {
        const leaving = this.#live()[0];
        if (!leaving) break;
        leaving.close();
        replaced += 2;
        void this.#join(2).then((fresh) => {
          for (const v of fresh) this.#schedule(v, stopAt);
        });
      }
    }
    await sleep(500);
    window.record = false;
    const stalled = stalls();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const elapsed = (performance.now() - started) / 1000;
    return {
      seconds: round(elapsed),
      visitors: this.#live().length,
      joined: joined.length,
      replaced,
      sent: window.sent,
      guests: window.guests,
      linesPerSecond: round(window.sent / elapsed, 1),
      relay: percentiles(window.relayLatency),
      stalls: stalled,
      ...errorsSince(),
    };
  }

  /** Closes every chatter. */
  close(): void {
    for (const visitor of this.#chatting) visitor.close();
    this.#chatting = [];
  }

  /** Chatters still in a chat; forgets those that are not. */
  #live(): Visitor[] {
    this.#chatting = this.#chatting.filter((v) => v.paired && !v.closed);
    return this.#chatting;
  }

  /**
   * Opens `count` visitors, 500 at a time, each time until they are paired;
   * returns those that were.
   */
  async #join(count: number): Promise<Visitor[]> {
    const all: Visitor[] = [];
    for (let i = 0; i < count; i += 500) {
      const chunk: Visitor[] = [];
      for (let j = i; j < Math.min(count, i + 500); j++) {
        const visitor = new Visitor(this.#crowd);
        visitor.partnerMayLeave = true;
        chunk.push(visitor);
      }
      this.#chatting.push(...chunk);
      all.push(...chunk);
      // One may be left waiting alone (its would-be partner took another
      // lone waiter): it goes, rather than hold the rest up.
      await Promise.race([
        Promise.all(chunk.map(pairedOrClosed)),
        sleep(LONE_WAIT),
      ]);
      for (const visitor of chunk) if (!visitor.paired) visitor.close();
    }
    return all.filter((v) => v.paired);
  }

  /** Types, then sends a line, every 4–6 s until `stopAt`. */
  #schedule(visitor: Visitor, stopAt: number): void {
    const next = performance.now() + between(LINE_EVERY);
    if (next >= stopAt) return;
    const typingAt = next - between(TYPING_BEFORE) - performance.now();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (visitor.closed) return;
      visitor.ws.send(TYPING);
      const line = setTimeout(() => {
        this.#timers.delete(line);
        if (visitor.closed) return;
        visitor.send(next);
        this.#schedule(visitor, stopAt);
      }, next - performance.now());
      this.#timers.add(line);
    }, Math.max(0, typingAt));
    this.#timers.add(timer);
  }
}
