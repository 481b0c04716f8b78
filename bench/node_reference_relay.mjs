/**
 * The Node reference relay: `reference_relay.ts` again, line for line, on
 * Node with npm `ws` (no validation, no limits), so that our figures can be
 * read against another runtime's floor as well as Deno's.
 *
 * Usage: `node bench/node_reference_relay.mjs --port 0` (after `npm ci`)
 *
 * @module
 */

import { WebSocketServer } from "ws";

const port = Number(process.argv[process.argv.indexOf("--port") + 1] || 8080);
const partners = new Map();
// First come, first served: someone who asks while another waits is paired at
// once, so at most one visitor ever waits.
let waiting = null;

const server = new WebSocketServer({ port, host: "0.0.0.0" }, () =>
  console.log(
    `Node reference listening on http://localhost:${server.address().port}`,
  ));
server.on("connection", (socket) => {
  // An `error` event with no listener would end the process; in Deno's
  // reference a broken socket only closes.
  socket.on("error", () => {});
  socket.on("message", (data) => {
    const frame = JSON.parse(data);
    if (frame.type === "request") {
      if (!waiting) return void (waiting = socket);
      partners.set(socket, waiting).set(waiting, socket);
      waiting.send('{"type":"response"}');
      socket.send('{"type":"response"}');
      waiting = null;
    } else if (frame.type === "message") {
      const head = `{"type":"message","message":${
        JSON.stringify(frame.message)
      },"from":`;
      socket.send(head + '"me"}');
      partners.get(socket)?.send(head + '"guest"}');
    }
  });
  socket.on("close", () => {
    if (waiting === socket) waiting = null;
    const partner = partners.get(socket);
    partners.delete(socket);
    if (partner && partners.delete(partner)) {
      partner.close(4000, "partner_left");
    }
  });
});
