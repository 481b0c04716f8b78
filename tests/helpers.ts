/**
 * Test helpers: a real server on a free loopback port, and a WebSocket
 * client that queues what it receives so tests can await frames in order.
 *
 * @module
 */

import { type Config, defaultConfig } from "../lib/ops/config.ts";
import { Logger } from "../lib/ops/log.ts";
import type { Backend } from "../lib/backends/mod.ts";
import { type ServerHandle, startServer } from "../main.ts";

/** A server started for one test. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT/ws` */
  wsUrl: string;
  handle: ServerHandle;
  /** Every line the server logged, as written. */
  logs: string[];
  /** Closes all sockets and stops the server. */
  stop(): Promise<void>;
  /** Stops the server: `await using server = await startTestServer()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a server on 127.0.0.1:0 with test-friendly defaults. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  backend?: Backend,
): Promise<TestServer> {
  const logs: string[] = [];
  const config = defaultConfig({
    port: 0,
    hostname: "127.0.0.1",
    logFormat: "json",
    logLevel: "debug",
    dataDir: ":memory:",
    ...overrides,
  });
  const log = new Logger({
    format: config.logFormat,
    level: config.logLevel,
    write: (line) => logs.push(line),
  });
  const handle = await startServer(config, { log, backend });
  const url = `http://127.0.0.1:${handle.port}`;
  async function stop(): Promise<void> {
    await handle.shutdown();
    await handle.finished;
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${handle.port}/ws`,
    handle,
    logs,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A parsed server frame. */
export type Frame = Record<string, unknown> & { type: string };

/** A WebSocket client for tests: frames queue up until awaited. */
export class TestClient {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  #frames: Frame[] = [];
  #waiters: (() => void)[] = [];

  constructor(url: string, protocols?: string | string[]) {
    this.socket = new WebSocket(url, protocols);
    const { promise: opened, resolve, reject } = Promise.withResolvers<void>();
    this.opened = opened;
    this.closed = new Promise((done) => {
      this.socket.addEventListener("close", (e) => {
        reject(new Error(`closed before open: ${e.code}`));
        done({ code: e.code, reason: e.reason });
        this.#wake();
      });
    });
    opened.catch(() => {});
    this.socket.addEventListener("open", () => resolve());
    this.socket.addEventListener("message", (e) => {
      this.#frames.push(JSON.parse(e.data as string));
      this.#wake();
    });
  }

  /** Opens a client and waits until the socket is open. */
  static async open(url: string): Promise<TestClient> {
    const client = new TestClient(url);
    await client.opened;
    return client;
  }

  /** Sends a JSON frame (or a raw string as is). */
  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Resolves with the next frame of `type` (skipping `online` frames unless
   * asked for), or rejects after `ms` or when the socket closes first.
   */
  async next(type?: string, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (true) {
      const index = this.#frames.findIndex((f) =>
        type ? f.type === type : f.type !== "online"
      );
      if (index !== -1) return this.#frames.splice(index, 1)[0];
      if (this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`socket closed while waiting for ${type ?? "a frame"}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type ?? "frame"} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames received and not yet taken by {@linkcode next}. */
  pending(type?: string): Frame[] {
    return this.#frames.filter((f) => !type || f.type === type);
  }

  /** Closes the socket and waits for the close to finish. */
  async close(code = 1000): Promise<void> {
    if (this.socket.readyState < WebSocket.CLOSING) this.socket.close(code);
    await this.closed;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** Opens two clients and pairs them; resolves once both got `response`. */
export async function pair(wsUrl: string): Promise<[TestClient, TestClient]> {
  const a = await TestClient.open(wsUrl);
  const b = await TestClient.open(wsUrl);
  a.send({ type: "request" });
  b.send({ type: "request" });
  await Promise.all([a.next("response"), b.next("response")]);
  return [a, b];
}
