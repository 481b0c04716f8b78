/**
 * Who may open a WebSocket, decided before the upgrade from the request
 * alone: not while draining, not past the connection cap, only a handshake
 * RFC 6455 accepts, only from an allowed origin and host, within the
 * per-address limits. Shared by every edge that upgrades (Deno's own upgrade
 * and the `node:http` one), so both refuse the same handshakes with the same
 * plain HTTP answers, and both count each handshake let through toward the
 * proof of work's suspicion of its address.
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import { clientAddress, originAllowed } from "./admission.ts";

/** The verdict on one handshake. */
export type HandshakeVerdict =
  /**
   * Upgrade; `address` is the client's address group (its IPv6 /64, its
   * IPv4 block), the key of every per-address limit, and holds a slot that
   * the socket's close gives back.
   */
  | { ok: true; address: string }
  /** Answer `response` instead of upgrading. */
  | { ok: false; response: Response };

/**
 * Why a handshake would be refused, as {@linkcode probeHandshake} tells a
 * page that cannot see the HTTP answer to its WebSocket.
 */
export type AdmissionReason =
  | "shutting_down"
  | "server_full"
  | "origin_not_allowed"
  | "too_many_sockets"
  | "too_many_handshakes";

/**
 * The answer of a dry run: `ok`, or the reason a handshake from here would
 * be refused now and the seconds after which to try again.
 */
export type AdmissionProbe =
  | { ok: true }
  | { ok: false; reason: AdmissionReason; retryAfter: number };

/** Seconds to wait when the server is full (the 503's `Retry-After`). */
const FULL_RETRY_AFTER = 10;
/** Seconds to wait while the server stops (its restart takes a few). */
const DRAINING_RETRY_AFTER = 10;

/** Checks a handshake from `peer` (the socket's remote address). */
export function checkHandshake(
  req: Request,
  peer: string,
  state: AppState,
): HandshakeVerdict {
  const { config, limits, metrics, log } = state;
  const headers = req.headers;
  if (headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return refuse(426, "Expected a WebSocket upgrade", {
      Upgrade: "websocket",
    });
  }
  const busy = serverRefusal(state);
  if (busy === "shutting_down") {
    metrics.refuse("shutting_down");
    log.limited("info", "ws_refused", { reason: "shutting_down" });
    return refuse(503, "Shutting down");
  }
  if (busy === "server_full") {
    metrics.refuse("server_full");
    log.limited("info", "ws_refused", { reason: "server_full" });
    return refuse(503, "Server full, try again soon", {
      "Retry-After": String(FULL_RETRY_AFTER),
    });
  }
  const malformed = rfc6455Refusal(req);
  if (malformed) {
    metrics.refuse("bad_handshake");
    log.limited("info", "ws_refused", { reason: "bad_handshake" });
    return { ok: false, response: malformed };
  }
  if (!originOk(req, state)) {
    metrics.refuse("origin_not_allowed");
    log.limited("info", "ws_refused", { reason: "origin_not_allowed" });
    return refuse(403, "Origin not allowed");
  }
  const address = addressOf(req, peer, state);
  const refusal = limits.admit(address);
  if (refusal) {
    metrics.refuse(refusal.reason);
    log.limited("info", "ws_refused", {
      reason: refusal.reason,
      ip: config.logIps ? address : undefined,
    });
    return refuse(refusal.status, "Too many connections", {
      "Retry-After": "60",
    });
  }
  state.pow.handshake(address);
  return { ok: true, address };
}

/**
 * What {@linkcode checkHandshake} would decide for a handshake from the
 * same page and `peer` now, as a dry run: the same checks in the same order
 * (but the RFC 6455 shape, which a browser always gets right), counting
 * nothing, taking no slot, logging nothing.
 */
export function probeHandshake(
  req: Request,
  peer: string,
  state: AppState,
): AdmissionProbe {
  const busy = serverRefusal(state);
  if (busy === "shutting_down") {
    return { ok: false, reason: busy, retryAfter: DRAINING_RETRY_AFTER };
  }
  if (busy === "server_full") {
    return { ok: false, reason: busy, retryAfter: FULL_RETRY_AFTER };
  }
  if (!originOk(req, state)) {
    // Waiting will not help (the page is on an origin we do not serve);
    // a minute keeps a page that retries anyway from spinning.
    return { ok: false, reason: "origin_not_allowed", retryAfter: 60 };
  }
  const peek = state.limits.peek(addressOf(req, peer, state));
  if (peek) {
    return { ok: false, reason: peek.reason, retryAfter: peek.retryAfter };
  }
  return { ok: true };
}

function serverRefusal(
  state: AppState,
): "shutting_down" | "server_full" | null {
  if (state.draining) return "shutting_down";
  if (state.openSockets >= state.connectionCap) return "server_full";
  return null;
}

function originOk(req: Request, { config }: AppState): boolean {
  return originAllowed(req, {
    allowedOrigins: config.allowedOrigins,
    publicOrigin: config.publicOrigin,
    trustProxy: config.trustProxy,
  });
}

function addressOf(req: Request, peer: string, state: AppState): string {
  const { limits, config } = state;
  return limits.group(clientAddress(req.headers, peer, config.trustProxy));
}

/**
 * The answer to a handshake RFC 6455 (section 4.2.1) says to refuse, or
 * `null`: a GET whose `Connection` lists `upgrade`, version 13, and a key
 * that is the base64 of 16 bytes.
 */
export function rfc6455Refusal(req: Request): Response | null {
  const headers = req.headers;
  if (req.method !== "GET") {
    return new Response("WebSocket handshakes use GET", {
      status: 405,
      headers: { Allow: "GET" },
    });
  }
  const connection = headers.get("connection") ?? "";
  if (
    !connection.split(",").some((t) => t.trim().toLowerCase() === "upgrade")
  ) {
    return new Response("Connection must include upgrade", { status: 400 });
  }
  if (headers.get("sec-websocket-version")?.trim() !== "13") {
    return new Response("Unsupported WebSocket version", {
      status: 426,
      headers: { "Sec-WebSocket-Version": "13" },
    });
  }
  const key = headers.get("sec-websocket-key")?.trim() ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key) || atob(key).length !== 16) {
    return new Response("Bad Sec-WebSocket-Key", { status: 400 });
  }
  return null;
}

function refuse(
  status: number,
  text: string,
  headers?: Record<string, string>,
): HandshakeVerdict {
  return { ok: false, response: new Response(text, { status, headers }) };
}
