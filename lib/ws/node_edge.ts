/**
 * The `/ws` edge on `node:http` with npm `ws`: the same handshake check as
 * Deno's upgrade (routes/ws.ts), then a socket whose messages are bounded as
 * they arrive (`maxPayload`: a frame or an unfinished fragmented message
 * past `MAX_FRAME_BYTES` closes 1009 before it is held), pinged when silent,
 * and cut when it does not finish closing. Its address slot is given back
 * only when its TCP connection is gone (ws reports `close` then).
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
// @ts-types="npm:@types/ws@^8.18.1"
import { type WebSocket as NodeWebSocket, WebSocketServer } from "ws";
import type { AppState } from "../app_state.ts";
import { toRequest, writeRawResponse } from "../web/listen_node.ts";
import { attachSocket } from "./connection.ts";
import { checkHandshake } from "./handshake.ts";
import { CLOSE } from "./protocol.ts";

/** How long a socket we closed may take to finish closing before it is cut. */
export const CUT_GRACE_MS = 3000;

/** The WebSocket edge for `listenNode`'s `upgrade` hook. */
export interface NodeEdge {
  /** Takes one upgrade request (see `UpgradeHook`). */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    peer: Deno.NetAddr,
  ): void;
  /** Stops the edge's timer (after the drain). */
  close(): void;
}

interface Watch {
  /** A frame or pong came since the last sweep. */
  heard: boolean;
  lastHeard: number;
  pinged: boolean;
  /** When it was first seen closing; 0 while open. */
  closingSince: number;
}

/** Builds the `node:http` WebSocket edge over the server's state. */
export function createNodeEdge(state: AppState, path = "/ws"): NodeEdge {
  const { config } = state;
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const watched = new Map<NodeWebSocket, Watch>();
  const idleMs = config.idleTimeout * 1000;
  const tick = idleMs > 0 ? Math.min(1000, Math.max(100, idleMs / 4)) : 1000;

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [ws, watch] of watched) {
      if (ws.readyState === ws.CLOSING) {
        // A reader that stopped reading never answers our close frame.
        watch.closingSince ||= now;
        if (now - watch.closingSince >= CUT_GRACE_MS) ws.terminate();
        continue;
      }
      if (idleMs === 0 || ws.readyState !== ws.OPEN) continue;
      if (watch.heard) {
        watch.heard = false;
        watch.pinged = false;
        watch.lastHeard = now;
      } else if (now - watch.lastHeard >= idleMs) {
        // Reported as Deno's idle timeout reports it (1001), not as 1006;
        // not clean either, which tells it from a client's own 1001 and
        // pauses a resumable chat (connection.ts).
        (ws as unknown as { _closeCode: number })._closeCode = 1001;
        ws.terminate();
      } else if (!watch.pinged && now - watch.lastHeard >= idleMs / 2) {
        watch.pinged = true;
        ws.ping();
      }
    }
  }, tick);

  function upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    peer: Deno.NetAddr,
  ): void {
    const request = toRequest(req);
    if (!request || new URL(request.url).pathname !== path) {
      writeRawResponse(socket, new Response("Not Found", { status: 404 }));
      return;
    }
    const verdict = checkHandshake(request, peer.hostname, state);
    if (!verdict.ok) {
      writeRawResponse(socket, verdict.response);
      return;
    }
    let attached = false;
    // ws answers a handshake it finds malformed itself and never calls back.
    socket.once("close", () => {
      if (!attached) state.limits.release(verdict.address);
    });
    server.handleUpgrade(req, socket, head as Buffer, (ws) => {
      attached = true;
      ws.binaryType = "arraybuffer";
      // ws closes an oversized message with 1009 and no reason: give the
      // reason Deno's edge gives (connection.ts), which clients show.
      const close = ws.close.bind(ws);
      ws.close = (code?: number, reason?: string | Buffer) =>
        close(
          code,
          code === CLOSE.tooBig.code && !reason ? CLOSE.tooBig.reason : reason,
        );
      const watch: Watch = {
        heard: false,
        lastHeard: Date.now(),
        pinged: false,
        closingSince: 0,
      };
      watched.set(ws, watch);
      const connection = attachSocket(
        ws as unknown as WebSocket,
        state,
        verdict.address,
      );
      const heard = () => watch.heard = true;
      ws.on("message", heard);
      ws.on("pong", heard);
      ws.on("error", (error: Error & { code?: string }) => {
        if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
          state.metrics.reject("frame_too_large");
        }
        // The partner is told now, not when the TCP connection ends.
        connection.close(CLOSE.tooBig.code, CLOSE.tooBig.reason);
        // ws resumes the socket to discard what follows a protocol error:
        // read nothing more (a 60 MiB frame keeps coming), cut it soon.
        setTimeout(() => socket.pause(), 0);
      });
      ws.once("close", () => watched.delete(ws));
    });
  }

  return {
    upgrade,
    close() {
      clearInterval(sweep);
      for (const ws of watched.keys()) ws.terminate();
      server.close();
    },
  };
}
