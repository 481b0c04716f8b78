/**
 * `/ws`: checks who may open a socket, upgrades, and hands the socket to the
 * switchboard. Refusals happen before the upgrade, as plain HTTP answers.
 *
 * @module
 */

import type { AppContext } from "../lib/app_state.ts";
import { attachSocket } from "../lib/ws/connection.ts";
import { checkHandshake } from "../lib/ws/handshake.ts";

export const handler = {
  GET({ req, info, state }: AppContext): Response {
    const verdict = checkHandshake(req, info.remoteAddr.hostname, state);
    if (!verdict.ok) return verdict.response;
    let upgrade: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgrade = Deno.upgradeWebSocket(req, {
        idleTimeout: state.config.idleTimeout,
      });
    } catch {
      state.limits.release(verdict.address);
      return new Response("Bad WebSocket handshake", { status: 400 });
    }
    attachSocket(upgrade.socket, state, verdict.address);
    return upgrade.response;
  },
};
