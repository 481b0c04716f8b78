/**
 * The reference relay through Redis: `reference_relay.ts` split over
 * instances that share a redis-server, in as few lines as that allows, with
 * no validation, no limits and no batching. A waiter is queued in a Redis
 * list (one script takes the longest waiter or queues the new one), and
 * each instance subscribes to its own channel, where its visitors' partners
 * publish to them: `m<id> <frame>` a line, `p<id> <address>` a partner
 * found, `c<id>` the partner left. It is the floor of relaying through
 * Redis: one PUBLISH per line, and nothing else on the way.
 *
 * Usage: `deno run -A bench/reference_redis_relay.ts --port 0 --redis-url
 * redis://127.0.0.1:6379`
 *
 * @module
 */

import { createClient } from "@redis/client";

const arg = (name: string) => Deno.args[Deno.args.indexOf(name) + 1];
const port = Number(arg("--port") || 8080);
const instance = crypto.randomUUID().slice(0, 8);
const pub = createClient({ url: arg("--redis-url") });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);

const MATCH = `local w = redis.call('LPOP', KEYS[1]) if w then return w end
redis.call('RPUSH', KEYS[1], ARGV[1]) return false`;
const WAITING = "ref:waiting";
/** Our visitors by id, and each one's partner as `instance:id`. */
const sockets = new Map<string, WebSocket>();
const partners = new Map<WebSocket, string>();
let made = 0;

const tell = (address: string, kind: string, rest = "") => {
  const [where, id] = address.split(":");
  pub.publish(`ref:${where}`, `${kind}${id} ${rest}`);
};

await sub.subscribe(`ref:${instance}`, (payload) => {
  const space = payload.indexOf(" ");
  const socket = sockets.get(payload.slice(1, space));
  const rest = payload.slice(space + 1);
  if (!socket) return;
  if (payload[0] === "m") return socket.send(rest);
  if (payload[0] === "p") {
    partners.set(socket, rest);
    return socket.send('{"type":"response"}');
  }
  partners.delete(socket);
  socket.close(4000, "partner_left");
});

Deno.serve({
  port,
  hostname: "0.0.0.0",
  onListen: (addr) =>
    console.log(`Reference listening on http://localhost:${addr.port}`),
}, (request) => {
  const { socket, response } = Deno.upgradeWebSocket(request);
  const id = String(made++);
  const address = `${instance}:${id}`;
  sockets.set(id, socket);
  socket.onmessage = async (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "request") {
      const waiter = await pub.eval(MATCH, {
        keys: [WAITING],
        arguments: [address],
      });
      if (typeof waiter !== "string") return;
      partners.set(socket, waiter);
      tell(waiter, "p", address);
      socket.send('{"type":"response"}');
    } else if (frame.type === "message") {
      const head = `{"type":"message","message":${
        JSON.stringify(frame.message)
      },"from":`;
      socket.send(head + '"me"}');
      const partner = partners.get(socket);
      if (partner) tell(partner, "m", head + '"guest"}');
    }
  };
  socket.onclose = () => {
    sockets.delete(id);
    pub.lRem(WAITING, 0, address);
    const partner = partners.get(socket);
    partners.delete(socket);
    if (partner) tell(partner, "c");
  };
  return response;
});
