/**
 * Who met whom lately: each visitor's last few partners, remembered for a
 * while by their identity, so that Next does not bring the same stranger
 * (or the same bot) back; and whom each blocked, remembered for longer. An identity is a hash of the browser token a
 * visitor sent, else of its address group: neither is kept as sent.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Clock } from "./clock.ts";

/** How many recent partners a visitor is kept from meeting again, by default. */
export const RECENT_PARTNERS = 3;
/** How long a partner stays recent, in milliseconds. */
export const RECENT_MS = 10 * 60_000;

/** How many blocks a visitor keeps; past it the oldest is forgotten. */
export const MAX_BLOCKS = 32;
/** How long a block lasts, in milliseconds. */
export const BLOCK_MS = 7 * 24 * 60 * 60_000;

const MINUTE = 60_000;

interface Entry {
  identity: string;
  until: number;
}

/** The identity of a visitor with `token` (if any) from `group` (`""`: none). */
export function identityOf(token: string | undefined, group: string): string {
  const name = token !== undefined ? "t" + token : group ? "a" + group : "";
  if (name === "") return "";
  return createHash("sha256").update(name).digest("base64url").slice(0, 22);
}

/** Each identity's recent partners and blocks, with their expiry. */
export class RecentPartners {
  #clock: Clock;
  #recent = new Map<string, Entry[]>();
  #blocked = new Map<string, Entry[]>();
  #lastSweep = 0;
  #most: number;

  /** Avoids the last `most` partners of each visitor (0: none, only blocks). */
  constructor(clock: Clock, most = RECENT_PARTNERS) {
    this.#clock = clock;
    this.#most = most;
  }

  /** The identities `identity` must not meet: recent partners, blocked. */
  avoid(identity: string): string[] {
    const now = this.#clock.now();
    const recent = this.#most === 0
      ? []
      : this.#recent.get(identity)?.slice(-this.#most) ?? [];
    return [...recent, ...this.#blocked.get(identity) ?? []]
      .filter((p) => p.until > now).map((p) => p.identity);
  }

  /** The partner `identity` met last, if still recent. */
  last(identity: string): string | undefined {
    const last = this.#recent.get(identity)?.at(-1);
    return last && last.until > this.#clock.now() ? last.identity : undefined;
  }

  /** Remembers that `mine` met `theirs` (not itself: two tabs may meet again). */
  remember(mine: string, theirs: string): void {
    // The last one is kept even when none is avoided: a block may name it.
    this.#add(this.#recent, mine, theirs, RECENT_MS, Math.max(this.#most, 1));
  }

  /** `mine` never meets `theirs` again (for {@linkcode BLOCK_MS}). */
  block(mine: string, theirs: string): void {
    this.#add(this.#blocked, mine, theirs, BLOCK_MS, MAX_BLOCKS);
  }

  #add(
    book: Map<string, Entry[]>,
    mine: string,
    theirs: string,
    ms: number,
    most: number,
  ): void {
    if (mine === "" || theirs === "" || mine === theirs) return;
    this.#sweep();
    const entries = (book.get(mine) ?? []).filter((p) => p.identity !== theirs);
    entries.push({ identity: theirs, until: this.#clock.now() + ms });
    if (entries.length > most) entries.shift();
    book.set(mine, entries);
  }

  /** Forgets identities whose entries all expired, at most once a minute. */
  #sweep(): void {
    const now = this.#clock.now();
    if (now - this.#lastSweep < MINUTE) return;
    this.#lastSweep = now;
    for (const book of [this.#recent, this.#blocked]) {
      for (const [identity, entries] of book) {
        if (entries.every((p) => p.until <= now)) book.delete(identity);
      }
    }
  }
}
