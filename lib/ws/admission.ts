/**
 * Who may open a WebSocket: the Origin check against Cross-Site WebSocket
 * Hijacking, the client address (from the socket, or from the last proxy
 * hop when the operator trusts a proxy), and per-address limits on
 * concurrent sockets and handshakes per minute.
 *
 * @module
 */

/** Why a handshake is refused, with the HTTP status to answer. */
export type Refusal =
  | { status: 403; reason: "origin_not_allowed" }
  | { status: 429; reason: "too_many_sockets" | "too_many_handshakes" };

/**
 * True when a handshake's `Origin` may open a socket: absent (not a
 * browser), the page's own host, or listed in `allowed`.
 */
export function originAllowed(
  origin: string | null,
  host: string | null,
  allowed: readonly string[],
): boolean {
  if (origin === null) return true;
  if (allowed.includes(origin) || allowed.includes("*")) return true;
  try {
    return host !== null && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * The client's address: the socket's peer, or with `trustProxy` the last hop
 * of `X-Forwarded-For` / `Forwarded` (the one our own proxy appended).
 */
export function clientAddress(
  headers: Headers,
  peer: string,
  trustProxy: boolean,
): string {
  if (!trustProxy) return peer;
  const forwarded = headers.get("forwarded");
  if (forwarded) {
    const last = forwarded.split(",").at(-1)!;
    const match = /(?:^|;)\s*for=("?)\[?([^;",\]]+)/i.exec(last);
    if (match) return match[2].trim();
  }
  const xff = headers.get("x-forwarded-for");
  const hop = xff?.split(",").at(-1)?.trim();
  return hop || peer;
}

/** Options for {@linkcode AddressLimits}. */
export interface AddressLimitsOptions {
  /** Concurrent sockets per address; 0 for no limit. @default {20} */
  maxSockets?: number;
  /** Handshakes per minute per address; 0 for no limit. @default {60} */
  maxHandshakesPerMinute?: number;
  /** Clock in milliseconds, for tests. @default {Date.now} */
  now?: () => number;
}

interface AddressEntry {
  sockets: number;
  windowStart: number;
  handshakes: number;
}

/**
 * Per-address counters. Memory stays bounded: an address with no open
 * socket is forgotten once its minute has passed.
 */
export class AddressLimits {
  #entries = new Map<string, AddressEntry>();
  #maxSockets: number;
  #maxHandshakes: number;
  #now: () => number;
  #lastSweep = 0;

  constructor(options: AddressLimitsOptions = {}) {
    this.#maxSockets = options.maxSockets ?? 20;
    this.#maxHandshakes = options.maxHandshakesPerMinute ?? 60;
    this.#now = options.now ?? Date.now;
  }

  /** Counts a handshake from `address`; a refusal when over a limit. */
  admit(address: string): Refusal | null {
    const now = this.#now();
    this.#sweep(now);
    let entry = this.#entries.get(address);
    if (!entry) {
      entry = { sockets: 0, windowStart: now, handshakes: 0 };
      this.#entries.set(address, entry);
    }
    if (now - entry.windowStart >= 60_000) {
      entry.windowStart = now;
      entry.handshakes = 0;
    }
    if (this.#maxSockets > 0 && entry.sockets >= this.#maxSockets) {
      return { status: 429, reason: "too_many_sockets" };
    }
    if (this.#maxHandshakes > 0 && entry.handshakes >= this.#maxHandshakes) {
      return { status: 429, reason: "too_many_handshakes" };
    }
    entry.handshakes++;
    entry.sockets++;
    return null;
  }

  /** Gives back the socket slot taken by an admitted handshake. */
  release(address: string): void {
    const entry = this.#entries.get(address);
    if (entry && entry.sockets > 0) entry.sockets--;
  }

  /** Addresses currently tracked (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [address, entry] of this.#entries) {
      if (entry.sockets === 0 && now - entry.windowStart >= 60_000) {
        this.#entries.delete(address);
      }
    }
  }
}
