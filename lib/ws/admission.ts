/**
 * Who may open a WebSocket: the Origin and Host check against Cross-Site
 * WebSocket Hijacking and DNS rebinding, and per-address limits on
 * concurrent sockets and handshakes per minute, counted per address group
 * (an IPv6 /64, an IPv4 prefix). The client address itself comes from
 * `lib/web/address.ts`, re-exported here.
 *
 * @module
 */

import {
  addressGroup,
  clientAddress,
  forwardedProto,
  type TrustProxy,
} from "../web/address.ts";

export { clientAddress };

/** Why a handshake is refused, with the HTTP status to answer. */
export type Refusal =
  | { status: 403; reason: "origin_not_allowed" }
  | { status: 429; reason: "too_many_sockets" | "too_many_handshakes" };

/**
 * A refusal the per-address limits would give a handshake now, and how many
 * seconds until it might pass (see {@linkcode AddressLimits.peek}).
 */
export type LimitPeek = {
  status: 429;
  reason: "too_many_sockets" | "too_many_handshakes";
  retryAfter: number;
};

/** Options for {@linkcode originAllowed}. */
export interface OriginOptions {
  /** Origins allowed besides the page's own; `*` for any. @default {[]} */
  allowedOrigins?: readonly string[];
  /**
   * The chat's public origin (`https://chat.example.com`): when set, the
   * Origin must be it (or allowed) and the Host its host, whatever the
   * request says about itself. @default {""}
   */
  publicOrigin?: string;
  /** Which proxy header says the scheme the client used. @default {false} */
  trustProxy?: TrustProxy;
}

/**
 * True when a handshake may open a socket as far as its `Origin` and `Host`
 * go. Without a public origin: no Origin (not a browser), an allowed one, or
 * one whose host is the request's Host and whose scheme is the one the
 * client used, as far as the server can know it (TLS here, or the trusted
 * proxy's header; a plain-HTTP request with no trusted proxy may come from
 * an `http` or `https` page, since a TLS proxy may be in front). With a
 * public origin, the Host must be its host (DNS rebinding points a foreign
 * name at us) and a browser's Origin must be it or an allowed one.
 */
export function originAllowed(
  req: Request,
  options: OriginOptions = {},
): boolean {
  const allowed = options.allowedOrigins ?? [];
  const origin = req.headers.get("origin");
  const host = req.headers.get("host");
  if (options.publicOrigin) {
    const pinned = new URL(options.publicOrigin);
    if (host === null || hostOf(pinned.protocol, host) !== pinned.host) {
      return false;
    }
    if (origin === null) return true;
    return origin === pinned.origin || allowed.includes(origin) ||
      allowed.includes("*");
  }
  if (origin === null) return true;
  if (allowed.includes(origin) || allowed.includes("*")) return true;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return false;
  }
  const told = forwardedProto(req.headers, options.trustProxy ?? false);
  const own = new URL(req.url).protocol === "https:" ? "https" : "http";
  const schemes = told ? [told] : own === "https" ? ["https"] : [
    "http",
    "https",
  ];
  const scheme = page.protocol.slice(0, -1);
  return host !== null && schemes.includes(scheme) &&
    hostOf(page.protocol, host) === page.host;
}

/** `host` as `URL.host` writes it for `protocol` (lower case, no default port). */
function hostOf(protocol: string, host: string): string | null {
  try {
    const url = new URL(`${protocol}//${host}`);
    return url.pathname === "/" && !url.username && !url.search
      ? url.host
      : null;
  } catch {
    return null;
  }
}

/** Options for {@linkcode AddressLimits}. */
export interface AddressLimitsOptions {
  /** Concurrent sockets per address; 0 for no limit. @default {20} */
  maxSockets?: number;
  /** Handshakes per minute per address; 0 for no limit. @default {60} */
  maxHandshakesPerMinute?: number;
  /**
   * Leading bits of an IPv4 address counted together (IPv6 always per /64).
   * @default {32}
   */
  ipv4Prefix?: number;
  /** Clock in milliseconds, for tests. @default {Date.now} */
  now?: () => number;
}

interface AddressEntry {
  sockets: number;
  windowStart: number;
  handshakes: number;
}

/**
 * Per-address-group counters. Memory stays bounded: an address with no open
 * socket is forgotten once its minute has passed.
 */
export class AddressLimits {
  #entries = new Map<string, AddressEntry>();
  #maxSockets: number;
  #maxHandshakes: number;
  #now: () => number;
  #lastSweep = 0;
  #ipv4Prefix: number;

  constructor(options: AddressLimitsOptions = {}) {
    this.#maxSockets = options.maxSockets ?? 20;
    this.#maxHandshakes = options.maxHandshakesPerMinute ?? 60;
    this.#now = options.now ?? Date.now;
    this.#ipv4Prefix = options.ipv4Prefix ?? 32;
  }

  /**
   * The key `address` is counted under: its /64 for IPv6, its
   * `ipv4Prefix` block for IPv4 (see {@linkcode addressGroup}).
   */
  group(address: string): string {
    return addressGroup(address, { ipv4Prefix: this.#ipv4Prefix });
  }

  /**
   * Counts a handshake from `address` (or its group, which is the same);
   * a refusal when its group is over a limit.
   */
  admit(address: string): Refusal | null {
    address = this.group(address);
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

  /**
   * What {@linkcode admit} would answer for `address` now, without counting
   * a handshake, taking a slot or remembering the address: a refusal with
   * the seconds until it may pass (a full handshake minute: until that
   * minute ends; too many sockets: 60, as the handshake's `Retry-After`), or
   * `null`.
   */
  peek(address: string): LimitPeek | null {
    const entry = this.#entries.get(this.group(address));
    if (!entry) return null;
    if (this.#maxSockets > 0 && entry.sockets >= this.#maxSockets) {
      return { status: 429, reason: "too_many_sockets", retryAfter: 60 };
    }
    const elapsed = this.#now() - entry.windowStart;
    if (
      this.#maxHandshakes > 0 && elapsed < 60_000 &&
      entry.handshakes >= this.#maxHandshakes
    ) {
      return {
        status: 429,
        reason: "too_many_handshakes",
        retryAfter: Math.max(1, Math.ceil((60_000 - elapsed) / 1000)),
      };
    }
    return null;
  }

  /** Gives back the socket slot taken by an admitted handshake. */
  release(address: string): void {
    address = this.group(address);
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
