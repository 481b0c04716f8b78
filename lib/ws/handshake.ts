/**
 * Who may open a WebSocket, decided before the upgrade from the request
 * alone: not while draining, not past the connection cap, only from an
 * allowed origin, within the per-address limits. Shared by every edge that
 * upgrades (Deno's own upgrade and the `node:http` one), so both refuse the
 * same handshakes with the same plain HTTP answers.
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import { clientAddress, originAllowed } from "./admission.ts";

/** The verdict on one handshake. */
export type HandshakeVerdict =
  /** Upgrade; `address` holds a slot that the socket's close gives back. */
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
    log.info("ws_refused", { reason: "shutting_down" });
    return refuse(503, "Shutting down");
  }
  if (state.openSockets >= state.connectionCap) {
    metrics.refuse("server_full");
    return refuse(503, "Server full, try again soon", { "Retry-After": "10" });
  }
  if (
    !originAllowed(
      headers.get("origin"),
      headers.get("host"),
      config.allowedOrigins,
    )
  ) {
    metrics.refuse("origin_not_allowed");
    log.info("ws_refused", { reason: "origin_not_allowed" });
    return refuse(403, "Origin not allowed");
  }
  const address = clientAddress(headers, peer, config.trustProxy);
  const refusal = limits.admit(address);
  if (refusal) {
    metrics.refuse(refusal.reason);
    log.info("ws_refused", {
      reason: refusal.reason,
      ip: config.logIps ? address : undefined,
    });
    return refuse(refusal.status, "Too many connections", {
      "Retry-After": "60",
    });
  }
  return { ok: true, address };
}

function refuse(
  status: number,
  text: string,
  headers?: Record<string, string>,
): HandshakeVerdict {
  return { ok: false, response: new Response(text, { status, headers }) };
}
