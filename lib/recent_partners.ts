/**
 * Who met whom lately: each visitor's last few partners, remembered for a
 * while by their identity, so that Next does not bring the same stranger
 * (or the same bot) back. An identity is a hash of the browser token a
 * visitor sent, else of its address group: neither is kept as sent.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Clock } from "./clock.ts";

/** How many recent partners a visitor is kept from meeting again. */
export const RECENT_PARTNERS = 3;
/** How long a partner stays recent, in milliseconds. */
export const RECENT_MS = 10 * 60_000;

const MINUTE = 60_000;

/** The identity of a visitor with `token` (if any) from `group` (`""`: none). */
export function identityOf(token: string | undefined, group: string): string {
  const name = token !== undefined ? "t" + token : group ? "a" + group : "";
  if (name === "") return "";
  return createHash("sha256").update(name).digest("base64url").slice(0, 22);
}

/** Each identity's recent partners, with their expiry. */
export class RecentPartners {
  #clock: Clock;
  #recent = new Map<string, { identity: string; until: number }[]>();
  #lastSweep = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The identities `identity` must not meet again yet. */
  avoid(identity: string): string[] {
    const partners = this.#recent.get(identity);
    if (!partners) return [];
    const now = this.#clock.now();
    return partners.filter((p) => p.until > now).map((p) => p.identity);
  }

  /** Remembers that `mine` met `theirs` (not itself: two tabs may meet again). */
  remember(mine: string, theirs: string): void {
    if (mine === "" || theirs === "" || mine === theirs) return;
    this.#sweep();
    const partners = (this.#recent.get(mine) ?? [])
      .filter((p) => p.identity !== theirs);
    partners.push({ identity: theirs, until: this.#clock.now() + RECENT_MS });
    if (partners.length > RECENT_PARTNERS) partners.shift();
    this.#recent.set(mine, partners);
  }

  /** Forgets identities whose partners all expired, at most once a minute. */
  #sweep(): void {
    const now = this.#clock.now();
    if (now - this.#lastSweep < MINUTE) return;
    this.#lastSweep = now;
    for (const [identity, partners] of this.#recent) {
      if (partners.every((p) => p.until <= now)) this.#recent.delete(identity);
    }
  }
}
