/**
 * A TCP proxy for tests that plays the network between a client and the
 * server: it forwards bytes both ways until told to cut a connection (both
 * TCP sides reset at once, no WebSocket close frame: what a phone leaving a
 * Wi-Fi looks like to either end) or to black-hole it (bytes read and
 * dropped, nothing closed: a dead route that only a ping timeout finds).
 *
 * Connections are named by the client: a request for `/t/<tag>/ws` reaches
 * the server as `/ws` and is cut or black-holed by that tag.
 *
 * @module
 */

import net from "node:net";

/** Which way a black-holed connection drops bytes. */
export type HoleDirection = "both" | "up" | "down";

/** Options for {@linkcode DropProxy.start}. */
export interface DropProxyOptions {
  /** The server's host. @default {"127.0.0.1"} */
  hostname?: string;
}

/** One client connection and its twin to the server. */
interface Link {
  tag: string;
  client: net.Socket;
  upstream: net.Socket | null;
  /** Client → server bytes are dropped. */
  holeUp: boolean;
  /** Server → client bytes are dropped. */
  holeDown: boolean;
  gone: Promise<void>;
}

const REQUEST_LINE = /^(\S+) \/t\/([A-Za-z0-9_.-]+)(\/\S*) (HTTP\/1\.[01])\r\n/;

/** A proxy on 127.0.0.1 in front of one server port. */
export class DropProxy {
  readonly port: number;
  #server: net.Server;
  #links = new Set<Link>();
  #targetPort: number;
  #hostname: string;

  private constructor(
    server: net.Server,
    targetPort: number,
    hostname: string,
  ) {
    this.#server = server;
    this.#targetPort = targetPort;
    this.#hostname = hostname;
    this.port = (server.address() as net.AddressInfo).port;
    server.on("connection", (socket: net.Socket) => this.#accept(socket));
  }

  /** Starts a proxy to `targetPort` on a free loopback port. */
  static async start(
    targetPort: number,
    options: DropProxyOptions = {},
  ): Promise<DropProxy> {
    const server = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new DropProxy(
      server,
      targetPort,
      options.hostname ?? "127.0.0.1",
    );
  }

  /** `ws://127.0.0.1:PORT/t/<tag>/ws`: a socket the proxy knows as `tag`. */
  wsUrl(tag: string): string {
    return `ws://127.0.0.1:${this.port}/t/${tag}/ws`;
  }

  /** Connections open now, with `tag` or all. */
  count(tag?: string): number {
    return this.#select(tag).length;
  }

  /**
   * Resets every connection with `tag` on both sides (RST, no close frame);
   * returns how many there were.
   */
  cut(tag: string): number {
    const links = this.#select(tag);
    for (const link of links) this.#reset(link);
    return links.length;
  }

  /**
   * Resets the client side of the connections with `tag` only; the server
   * side stays open and hears nothing more, as when a phone changes network
   * and no reset reaches the server. Returns how many.
   */
  cutClient(tag: string): number {
    this.blackHole(tag);
    const links = this.#select(tag);
    for (const link of links) reset(link.client);
    return links.length;
  }

  /** Resets every connection; returns how many there were. */
  cutAll(): number {
    const links = [...this.#links];
    for (const link of links) this.#reset(link);
    return links.length;
  }

  /**
   * Stops forwarding on the connections with `tag` (in `direction`),
   * closing nothing: what is sent is read and lost. Returns how many.
   */
  blackHole(tag: string, direction: HoleDirection = "both"): number {
    const links = this.#select(tag);
    for (const link of links) {
      if (direction !== "down") link.holeUp = true;
      if (direction !== "up") link.holeDown = true;
    }
    return links.length;
  }

  /** Cuts every connection, stops listening, and waits until all are gone. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => resolve())
    );
    const gone = [...this.#links].map((link) => link.gone);
    this.cutAll();
    await Promise.all([closed, ...gone]);
  }

  /** Closes the proxy: `await using proxy = await DropProxy.start(port)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #select(tag?: string): Link[] {
    return [...this.#links].filter((l) => tag === undefined || l.tag === tag);
  }

  #accept(client: net.Socket): void {
    const clientGone = closedPromise(client);
    const link: Link = {
      tag: "",
      client,
      upstream: null,
      holeUp: false,
      holeDown: false,
      gone: clientGone,
    };
    this.#links.add(link);
    client.on("error", () => {});
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n");
      if (end === -1 && head.length < 8192) return;
      client.off("data", onHead);
      client.pause();
      let first = head;
      const match = REQUEST_LINE.exec(head.subarray(0, end + 2).toString());
      if (match) {
        link.tag = match[2];
        const line = `${match[1]} ${match[3]} ${match[4]}\r\n`;
        first = Buffer.concat([Buffer.from(line), head.subarray(end + 2)]);
      }
      this.#connect(link, first);
    };
    client.on("data", onHead);
    client.once("close", () => {
      client.off("data", onHead);
      if (!link.upstream) this.#links.delete(link);
    });
  }

  #connect(link: Link, first: Buffer): void {
    const { client } = link;
    if (client.destroyed) {
      this.#links.delete(link);
      return;
    }
    const upstream = net.connect({
      host: this.#hostname,
      port: this.#targetPort,
      allowHalfOpen: true,
    });
    link.upstream = upstream;
    link.gone = Promise.all([link.gone, closedPromise(upstream)]).then(
      () => {},
    );
    link.gone.then(() => this.#links.delete(link));
    upstream.on("error", () => {});
    upstream.write(first);
    forward(client, upstream, () => link.holeUp);
    forward(upstream, client, () => link.holeDown);
    client.resume();
  }

  #reset(link: Link): void {
    reset(link.client);
    if (link.upstream) reset(link.upstream);
  }
}

/** Resolves once `socket` has closed. */
function closedPromise(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/**
 * Copies `from` to `to` with back-pressure, dropping bytes while `holed()`;
 * an end is passed on (unless holed), and so is a close after an error.
 */
function forward(
  from: net.Socket,
  to: net.Socket,
  holed: () => boolean,
): void {
  from.on("data", (chunk: Buffer) => {
    if (holed() || to.destroyed) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  from.on("end", () => {
    if (!holed() && !to.destroyed) to.end();
  });
  from.on("close", (hadError: boolean) => {
    if (holed()) return;
    if (hadError) reset(to);
    else if (!to.destroyed) to.end();
  });
}

/** Destroys `socket` with a TCP reset where the runtime can. */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
