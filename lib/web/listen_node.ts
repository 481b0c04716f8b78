/**
 * Serves a request handler over `node:http`, for apps that must own the raw
 * connection: Deno's node layer enforces no header or keep-alive timeout, so
 * this module does, and it hands protocol upgrades to a hook the app supplies
 * (the WebSocket edge), with the socket itself.
 *
 * Every TCP connection is tracked from accept: one with no complete request
 * head within `headTimeout` is destroyed, as is a keep-alive connection idle
 * past `keepAliveTimeout`; connections not (yet) upgraded are capped per
 * address group. An upgraded connection leaves those counts to the hook.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Duplex, Readable } from "node:stream";
import {
  type Listener,
  listenerUrl,
  type ListenOptions,
  type ServeHandler,
} from "./listen.ts";

/** How often connection deadlines are checked. */
const SWEEP_MS = 500;
/** How long the listener may take to finish open requests at shutdown. */
const CLOSE_GRACE_MS = 1000;
/** How often the listener checks that it still accepts connections. */
const PROBE_EVERY_MS = 2000;
/** How long a probe waits for its own connection to be accepted. */
const PROBE_WAIT_MS = 3000;

/** Takes a protocol upgrade: the request, its socket and the bytes after the head. */
export type UpgradeHook = (
  req: IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
  peer: Deno.NetAddr,
) => void;

/** Options for {@linkcode listenNode}. */
export interface NodeListenOptions extends ListenOptions {
  /**
   * Takes every `Upgrade:` request. Without it an upgrade request is
   * answered by the handler, as any other.
   */
  upgrade?: UpgradeHook;
  /** Seconds a connection may take to send a complete request head. @default {10} */
  headTimeout?: number;
  /** Seconds an idle keep-alive connection is kept. @default {5} */
  keepAliveTimeout?: number;
  /** Connections not upgraded, per address group; 0 for no cap. @default {0} */
  maxConnectionsPerGroup?: number;
  /** The group an address counts in. @default {the address itself} */
  groupOf?: (address: string) => string;
  /** Told of each connection destroyed: over its group's cap, or timed out. */
  onDropped?: (reason: "group_full" | "head_timeout" | "idle") => void;
}

interface Tracked {
  group: string;
  /** When to destroy it, in ms since epoch; `Infinity` while busy. */
  deadline: number;
  /** Why it would be destroyed at `deadline`. */
  why: "head_timeout" | "idle";
  upgraded: boolean;
}

/** Listens with `handler` over `node:http`; resolves once the port is bound. */
export async function listenNode(
  handler: ServeHandler,
  options: NodeListenOptions,
): Promise<Listener> {
  const headMs = (options.headTimeout ?? 10) * 1000;
  const keepAliveMs = (options.keepAliveTimeout ?? 5) * 1000;
  const cap = options.maxConnectionsPerGroup ?? 0;
  const groupOf = options.groupOf ?? ((address: string) => address);
  const connections = new Map<Socket, Tracked>();
  const perGroup = new Map<string, number>();
  let stopping: Promise<void> | undefined;
  /** Set once drained: from then on a new connection is not answered. */
  let closing = false;
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();

  const server = createServer();
  /** Local ports of our own liveness probes in flight (both ends on
   * `probeHost`: a visitor may use such a port towards 127.0.0.2). */
  const probes = new Map<number, () => void>();
  server.on("connection", (socket: Socket) => {
    const ends = [socket.remoteAddress, socket.localAddress].map(plainAddress);
    const probe = probes.get(socket.remotePort ?? 0);
    if (probe && ends.every((end) => end === probeHost)) {
      socket.destroy();
      return probe();
    }
    const group = groupOf(plainAddress(socket.remoteAddress));
    const count = (perGroup.get(group) ?? 0) + 1;
    if ((cap > 0 && count > cap) || closing) {
      socket.destroy();
      if (!closing) options.onDropped?.("group_full");
      return;
    }
    perGroup.set(group, count);
    const tracked: Tracked = {
      group,
      deadline: Date.now() + headMs,
      why: "head_timeout",
      upgraded: false,
    };
    connections.set(socket, tracked);
    socket.on("error", ignore);
    socket.once("close", () => {
      connections.delete(socket);
      if (!tracked.upgraded) leaveGroup(group);
    });
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const tracked = connections.get(req.socket as Socket);
    if (tracked) tracked.deadline = Infinity;
    res.once("close", () => {
      if (!tracked) return;
      // The next head, if any, must come within the keep-alive timeout.
      tracked.deadline = Date.now() + Math.min(keepAliveMs, headMs);
      tracked.why = "idle";
    });
    serveOne(handler, req, res).catch(() => res.destroy());
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head) => {
    const tracked = connections.get(socket as Socket);
    if (tracked && !tracked.upgraded) {
      tracked.upgraded = true;
      tracked.deadline = Infinity;
      leaveGroup(tracked.group);
    }
    socket.on("error", ignore);
    if (options.upgrade) {
      return options.upgrade(req, socket, head, peerOf(req.socket as Socket));
    }
    serveUpgradeAsRequest(handler, req, socket).catch(() => socket.destroy());
  });

  function leaveGroup(group: string): void {
    const left = (perGroup.get(group) ?? 1) - 1;
    if (left > 0) perGroup.set(group, left);
    else perGroup.delete(group);
  }

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [socket, tracked] of connections) {
      if (tracked.deadline <= now) {
        tracked.deadline = Infinity;
        options.onDropped?.(tracked.why);
        socket.destroy();
      }
    }
  }, SWEEP_MS);

  const { promise: bound, resolve, reject } = Promise.withResolvers<void>();
  server.once("error", reject);
  server.listen(options.port, options.hostname ?? "0.0.0.0", () => resolve());
  try {
    await bound;
  } catch (error) {
    clearInterval(sweep);
    throw error;
  }
  server.off("error", reject);
  server.on("error", (error) => options.onError?.("listener_failed", error));

  const addr = server.address() as AddressInfo;
  const probeHost = addr.address === "0.0.0.0"
    ? "127.0.0.1"
    : addr.address === "::"
    ? "::1"
    : addr.address;

  // Deno's node:http listener stops accepting for good, silently, when
  // accept() fails (EMFILE): probe ourselves now and then; relisten when
  // neither the probe nor any other connection was accepted meanwhile.
  let probing: Promise<void> = Promise.resolve();
  let missed = 0, accepts = 0;
  server.on("connection", () => accepts++);
  const watchdog = setInterval(() => {
    probing = probing.then(async () => {
      if (stopping) return;
      const before = accepts;
      const accepted = await probeOnce();
      if (accepted === null) return; // no descriptor to probe with: later
      missed = accepted || accepts !== before ? 0 : missed + 1;
      if (missed < 2 || stopping) return;
      missed = 0;
      options.onError?.("listener_failed", new Error("accept loop stopped"));
      server.close();
      server.listen(addr.port, addr.address);
    });
  }, PROBE_EVERY_MS);
  Deno.unrefTimer(watchdog);

  /** True if our own connection was accepted; null if we could not connect. */
  async function probeOnce(): Promise<boolean | null> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: probeHost, port: addr.port });
    } catch {
      return null;
    }
    const port = (conn.localAddr as Deno.NetAddr).port;
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const timer = setTimeout(() => resolve(false), PROBE_WAIT_MS);
    probes.set(port, () => resolve(true));
    const accepted = await promise;
    clearTimeout(timer);
    probes.delete(port);
    conn.close();
    return accepted;
  }

  function shutdown(): Promise<void> {
    return stopping ??= (async () => {
      clearInterval(watchdog);
      await probing;
      await options.drain?.();
      closing = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const [socket, tracked] of connections) {
        if (tracked.why === "idle" && tracked.deadline !== Infinity) {
          socket.destroy();
        }
      }
      const deadline = Date.now() + CLOSE_GRACE_MS;
      while (connections.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      for (const socket of connections.keys()) socket.destroy();
      clearInterval(sweep);
      await Promise.race([
        closed,
        new Promise((r) => setTimeout(r, CLOSE_GRACE_MS)),
      ]);
      finish();
    })();
  }

  return {
    url: listenerUrl(addr.address, addr.port),
    port: addr.port,
    shutdown,
    finished,
  };
}

/** The web `Request` for a `node:http` request; `null` if its URL is malformed. */
export function toRequest(req: IncomingMessage): Request | null {
  const headers = new Headers();
  const raw = req.rawHeaders;
  let url: URL;
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      headers.append(raw[i], raw[i + 1]);
    }
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    if (!url.pathname.startsWith("/")) return null;
  } catch {
    return null;
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD"
    ? null
    : Readable.toWeb(req) as ReadableStream<Uint8Array>;
  return new Request(
    url,
    { method, headers, body, duplex: "half" } as
      & RequestInit
      & { duplex: "half" },
  );
}

/**
 * Writes `response` on a raw socket as an HTTP/1.1 answer and closes the
 * connection: for upgrade requests that are refused.
 */
export async function writeRawResponse(
  socket: Duplex,
  response: Response,
): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (socket.destroyed) return;
  const lines = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? "Unknown"}`,
  ];
  for (const [name, value] of response.headers) {
    if (name === "content-length" || name === "connection") continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push(`content-length: ${body.byteLength}`, "connection: close");
  socket.end(
    new Uint8Array([
      ...new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"),
      ...body,
    ]),
  );
}

/** The socket's peer as Deno names it. */
function peerOf(socket: Socket): Deno.NetAddr {
  return {
    transport: "tcp",
    hostname: plainAddress(socket.remoteAddress),
    port: socket.remotePort ?? 0,
  };
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) as `1.2.3.4`. */
function plainAddress(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && address.includes(".")
    ? address.slice(7)
    : address;
}

async function serveOne(
  handler: ServeHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const request = toRequest(req);
  const { promise: completed, resolve } = Promise.withResolvers<void>();
  res.once("close", () => resolve());
  const response = request
    ? await handler(request, {
      remoteAddr: peerOf(req.socket as Socket),
      completed,
    })
    : new Response("Bad Request", { status: 400 });
  await writeResponse(res, response, req.method === "HEAD");
}

async function writeResponse(
  res: ServerResponse,
  response: Response,
  head: boolean,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const status = response.status;
  const bodyless = head || status === 204 || status === 304 ||
    response.body === null;
  if (bodyless) {
    await response.body?.cancel();
    return void res.writeHead(status, headers).end();
  }
  if (!response.headers.has("content-length")) {
    // The app's answers are small: send them whole, with their length.
    const body = new Uint8Array(await response.arrayBuffer());
    headers["content-length"] = String(body.byteLength);
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  res.writeHead(status, headers);
  for await (const chunk of response.body!) {
    if (res.destroyed) break;
    if (!res.write(chunk)) {
      await new Promise<void>((r) => {
        res.once("drain", r);
        res.once("close", r);
      });
    }
  }
  res.end();
}

async function serveUpgradeAsRequest(
  handler: ServeHandler,
  req: IncomingMessage,
  socket: Duplex,
): Promise<void> {
  const request = toRequest(req);
  const response = request
    ? await handler(request, {
      remoteAddr: peerOf(req.socket as Socket),
      completed: Promise.resolve(),
    })
    : new Response("Bad Request", { status: 400 });
  await writeRawResponse(socket, response);
}

function ignore(): void {}
