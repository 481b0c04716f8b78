/**
 * `/ws/admission`: would a WebSocket handshake from this page be admitted
 * now, and if not, why and when to try again. A browser's WebSocket sees
 * only 1006 when its handshake is refused; the page asks here instead. A dry
 * run of the handshake's checks: it counts no handshake and takes no slot.
 *
 * @module
 */

import type { AppContext } from "../lib/app_state.ts";
import { probeHandshake } from "../lib/ws/handshake.ts";

export const handler = {
  GET({ req, info, state }: AppContext): Response {
    const probe = probeHandshake(req, info.remoteAddr.hostname, state);
    return Response.json(probe, { headers: { "Cache-Control": "no-store" } });
  },
};
