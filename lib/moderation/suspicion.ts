/**
 * When an address group looks like a bot, for the proof of work's
 * `suspicious` mode: too many handshakes in the last minute, or too many
 * very short chats in the last ten minutes. Each count is a sliding window
 * (the current window plus the previous one, weighted by how much of it is
 * still within the span), so a burst cannot hide across a window's edge. A
 * solved challenge clears the group for a while, so that an honest heavy
 * user is asked once rather than at every Start. Pure: the clock is
 * injected; memory is bounded (idle groups are swept, and past a cap the
 * oldest group is forgotten).
 *
 * @module
 */

/** Chats shorter than this, in seconds, count as very short. */
export const SHORT_CHAT_SECONDS = 5;
/** The span of the handshake count, in milliseconds. */
export const HANDSHAKE_SPAN_MS = 60_000;
/** The span of the short-chat count, in milliseconds. */
export const SHORT_CHAT_SPAN_MS = 600_000;

/** Options for {@linkcode Suspicion}. */
export interface SuspicionOptions {
  /** Handshakes in the last minute past which a group is suspicious; 0: never. */
  handshakes: number;
  /** Short chats in the last ten minutes past which it is; 0: never. */
  shortChats: number;
  /** How long a solved challenge clears a group. @default {600_000} */
  clearMs?: number;
  /** Most groups remembered at once. @default {100_000} */
  maxGroups?: number;
  /** Milliseconds since epoch. @default {Date.now} */
  now?: () => number;
}

/** A count over a sliding window of `span` ms. */
interface Rolling {
  start: number;
  current: number;
  previous: number;
}

interface Entry {
  handshakes: Rolling;
  shortChats: Rolling;
  /** Until when a solved challenge clears the group. */
  clearUntil: number;
}

function rolling(now: number): Rolling {
  return { start: now, current: 0, previous: 0 };
}

/** Moves `w` on to the window that holds `now`. */
function roll(w: Rolling, now: number, span: number): void {
  const elapsed = now - w.start;
  if (elapsed < span) return;
  w.previous = elapsed < 2 * span ? w.current : 0;
  w.start = elapsed < 2 * span ? w.start + span : now;
  w.current = 0;
}

/** The count over the last `span` ms as of `now`. */
function estimate(w: Rolling, now: number, span: number): number {
  roll(w, now, span);
  const weight = 1 - (now - w.start) / span;
  return w.current + w.previous * weight;
}

/** True when nothing in `w` counts any more at `now`. */
function idle(w: Rolling, now: number, span: number): boolean {
  return now - w.start >= 2 * span || (w.current === 0 && w.previous === 0);
}

/** Per-address-group counters that say when to ask for a proof of work. */
export class Suspicion {
  #entries = new Map<string, Entry>();
  #handshakes: number;
  #shortChats: number;
  #clearMs: number;
  #maxGroups: number;
  #now: () => number;
  #lastSweep = 0;

  constructor(options: SuspicionOptions) {
    this.#handshakes = options.handshakes;
    this.#shortChats = options.shortChats;
    this.#clearMs = options.clearMs ?? 600_000;
    this.#maxGroups = options.maxGroups ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** Groups remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Counts one accepted handshake from `group`. */
  handshake(group: string): void {
    if (this.#handshakes <= 0) return;
    const now = this.#now();
    const w = this.#entry(group, now).handshakes;
    roll(w, now, HANDSHAKE_SPAN_MS);
    w.current++;
  }

  /** Counts a chat of `group` that ended after `seconds`, if very short. */
  chatEnded(group: string, seconds: number): void {
    if (this.#shortChats <= 0 || !(seconds < SHORT_CHAT_SECONDS)) return;
    const now = this.#now();
    const w = this.#entry(group, now).shortChats;
    roll(w, now, SHORT_CHAT_SPAN_MS);
    w.current++;
  }

  /** True when `group` is over a count and not cleared by a solution. */
  suspicious(group: string): boolean {
    const entry = this.#entries.get(group);
    if (!entry) return false;
    const now = this.#now();
    if (entry.clearUntil > now) return false;
    return (this.#handshakes > 0 &&
      estimate(entry.handshakes, now, HANDSHAKE_SPAN_MS) > this.#handshakes) ||
      (this.#shortChats > 0 &&
        estimate(entry.shortChats, now, SHORT_CHAT_SPAN_MS) >
          this.#shortChats);
  }

  /** `group` solved a challenge: not suspicious for the clearing time. */
  solved(group: string): void {
    const now = this.#now();
    this.#entry(group, now).clearUntil = now + this.#clearMs;
  }

  #entry(group: string, now: number): Entry {
    this.#sweep(now);
    let entry = this.#entries.get(group);
    if (!entry) {
      if (this.#entries.size >= this.#maxGroups) {
        // Map order is insertion order: forget the oldest group.
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      entry = {
        handshakes: rolling(now),
        shortChats: rolling(now),
        clearUntil: 0,
      };
      this.#entries.set(group, entry);
    }
    return entry;
  }

  /** Forgets idle groups, at most once a minute. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < HANDSHAKE_SPAN_MS) return;
    this.#lastSweep = now;
    for (const [group, entry] of this.#entries) {
      if (
        entry.clearUntil <= now &&
        idle(entry.handshakes, now, HANDSHAKE_SPAN_MS) &&
        idle(entry.shortChats, now, SHORT_CHAT_SPAN_MS)
      ) {
        this.#entries.delete(group);
      }
    }
  }
}
