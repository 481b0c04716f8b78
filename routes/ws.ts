/**
 * `/ws`: checks who may open a socket, upgrades, and hands the socket to the
 * switchboard. Refusals happen before the upgrade, as plain HTTP answers.
 *
 * @module
 */

import { attachSocket } from "../lib/ws/connection.ts";
import { clientAddress, originAllowed } from "../lib/ws/admission.ts";
import type { AppContext } from "../lib/app_state.ts";

export const handler = {
  GET({ req, info, state }: AppContext): Response {
    const { config, limits, metrics, log } = state;
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", {
        status: 426,
        headers: { Upgrade: "websocket" },
      });
    }
    if (state.draining) {
      metrics.refuse("shutting_down");
      log.info("ws_refused", { reason: "shutting_down" });
      return new Response("Shutting down", { status: 503 });
    }
    if (state.openSockets >= state.connectionCap) {
      metrics.refuse("server_full");
      return new Response("Server full, try again soon", {
        status: 503,
        headers: { "Retry-After": "10" },
      });
    }
    const headers = req.headers;
    if (
      !originAllowed(
        headers.get("origin"),
        headers.get("host"),
        config.allowedOrigins,
      )
    ) {
      metrics.refuse("origin_not_allowed");
      log.info("ws_refused", { reason: "origin_not_allowed" });
      return new Response("Origin not allowed", { status: 403 });
    }
    const address = clientAddress(
      headers,
      info.remoteAddr.hostname,
      config.trustProxy,
    );
    const refusal = limits.admit(address);
    if (refusal) {
      metrics.refuse(refusal.reason);
      log.info("ws_refused", {
        reason: refusal.reason,
        ip: config.logIps ? address : undefined,
      });
      return new Response("Too many connections", {
        status: refusal.status,
        headers: { "Retry-After": "60" },
      });
    }
    let upgrade: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgrade = Deno.upgradeWebSocket(req, { idleTimeout: config.idleTimeout });
    } catch {
      limits.release(address);
      return new Response("Bad WebSocket handshake", { status: 400 });
    }
    attachSocket(upgrade.socket, state, address);
    return upgrade.response;
  },
};
