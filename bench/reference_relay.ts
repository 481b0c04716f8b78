/**
 * The reference relay: the wire protocol in as few lines as Deno allows, with
 * no validation and no limits. The benchmark runs every scenario against it
 * and our server alike, so our figures read as ratios to this floor.
 *
 * Usage: `deno run --allow-net bench/reference_relay.ts --port 0`
 *
 * @module
 */

const port = Number(Deno.args[Deno.args.indexOf("--port") + 1] || 8080);
const partners = new Map<WebSocket, WebSocket>();
// First come, first served: someone who asks while another waits is paired at
// once, so at most one visitor ever waits.
let waiting: WebSocket | null = null;

Deno.serve({
  port,
  hostname: "0.0.0.0",
  onListen: (addr) =>
    console.log(`Reference listening on http://localhost:${addr.port}`),
}, (request) => {
  const { socket, response } = Deno.upgradeWebSocket(request);
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
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
  };
  socket.onclose = () => {
    if (waiting === socket) waiting = null;
    const partner = partners.get(socket);
    partners.delete(socket);
    if (partner && partners.delete(partner)) {
      partner.close(4000, "partner_left");
    }
  };
  return response;
});
