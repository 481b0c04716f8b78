/**
 * Who may open a WebSocket, decided before the upgrade from the request
 * alone: not while draining, not past the connection cap, only a handshake
 * RFC 6455 accepts, only from an allowed origin and host, within the
 * per-address limits. Shared by every edge that upgrades (Deno's own upgrade
 * and the `node:http` one), so both refuse the same handshakes with the same
 * plain HTTP answers.
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
  if (state.draining) {
    metrics.refuse("shutting_down");
    log.limited("info", "ws_refused", { reason: "shutting_down" });
    return refuse(503, "Shutting down");
  }
  if (state.openSockets >= state.connectionCap) {
    metrics.refuse("server_full");
    log.limited("info", "ws_refused", { reason: "server_full" });
    return refuse(503, "Server full, try again soon", { "Retry-After": "10" });
  }
  const malformed = rfc6455Refusal(req);
  if (malformed) {
    metrics.refuse("bad_handshake");
    log.limited("info", "ws_refused", { reason: "bad_handshake" });
    return { ok: false, response: malformed };
  }
  if (
    !originAllowed(req, {
      allowedOrigins: config.allowedOrigins,
      publicOrigin: config.publicOrigin,
      trustProxy: config.trustProxy,
    })
  ) {
    metrics.refuse("origin_not_allowed");
    log.limited("info", "ws_refused", { reason: "origin_not_allowed" });
    return refuse(403, "Origin not allowed");
  }
  const address = limits.group(clientAddress(headers, peer, config.trustProxy));
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
  return { ok: true, address };
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
