/**
 * A resumable chat client for the resume tests (issue 16), doing on the
 * wire what the browser client does: it asks with `resume:true`, numbers
 * its lines (`seq` 1, 2, 3 … per chat), keeps those not yet echoed, counts
 * the partner lines it has (`seen`) and ignores older ones, and after a
 * drop reconnects with a backoff, sends `resume` and resends what the
 * server did not have. Everything it meets is recorded for the asserts.
 *
 * @module
 */

import type { Config } from "../lib/ops/config.ts";
import { DropProxy } from "./drop_proxy.ts";
import { type Frame, startTestServer, type TestServer } from "./helpers.ts";

/** Where a {@linkcode ResumableClient} stands. */
export type ClientState =
  | "idle"
  | "waiting"
  | "chat"
  | "reconnecting"
  | "resuming"
  | "ended";

/** A partner line as the client took it. */
export interface Line {
  seq: number;
  text: string;
}

/** Options for {@linkcode ResumableClient}. */
export interface ResumableClientOptions {
  /** The URL for each new socket. */
  url: string | (() => string);
  /** Reconnects and resumes by itself after a drop. @default {true} */
  autoResume?: boolean;
  /** Waits before the reconnect attempts, ms; the last repeats. @default {[500, 1000, 2000, 4000]} */
  backoff?: readonly number[];
  /** Gives up reconnecting this long after the drop, ms. @default {30000} */
  giveUpAfter?: number;
  /** Source of jitter, 0 ≤ x < 1: each wait is stretched by up to half. @default {Math.random} */
  random?: () => number;
}

/**
 * Closes that end a chat at the client's side: its own 1000, and 4xxx,
 * 1008, 1009, 1011 from the server. Anything else (1006 above all) is a
 * drop that may be resumed.
 */
export function isDrop(code: number): boolean {
  return code !== 1000 && !(code >= 4000 && code < 5000) &&
    code !== 1008 && code !== 1009 && code !== 1011;
}

/** A chat client that resumes after a drop as the browser client does. */
export class ResumableClient {
  state: ClientState = "idle";
  /** The `resume` token of the `response`. */
  token: string | undefined;
  /** The highest partner `seq` taken. */
  seen = 0;
  /** Every line said, `said[k - 1]` being line k. */
  readonly said: string[] = [];
  /** Lines said and not yet confirmed (by their echo or by `resumed`). */
  readonly pending = new Map<number, string>();
  /** Partner lines taken, in order. */
  readonly heard: Line[] = [];
  /** Partner lines that came with `seq <= seen` (ignored). */
  duplicates = 0;
  /** Partner lines whose `seq` was not `seen + 1` (or none), described. */
  readonly gaps: string[] = [];
  /** Lines sent again after a `resumed`. */
  resent = 0;
  /** Successful resumes. */
  resumes = 0;
  /** `partner_away` and `partner_back` frames received. */
  away = 0;
  back = 0;
  /** Reasons of `resume_failed` errors received. */
  readonly failures: string[] = [];
  /** How the chat ended (the close of its last socket), once it has. */
  ended: { code: number; reason: string } | null = null;
  /** Every frame received, one array per socket. */
  readonly sockets: Frame[][] = [];
  #socket: WebSocket | null = null;
  #options: Required<ResumableClientOptions>;
  #waiters = new Set<() => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #droppedAt = 0;
  #attempt = 0;
  #closing = false;

  constructor(options: ResumableClientOptions) {
    this.#options = {
      autoResume: true,
      backoff: [500, 1000, 2000, 4000],
      giveUpAfter: 30_000,
      random: Math.random,
      ...options,
    };
  }

  /** Frames received on the socket now open (or the last one). */
  get frames(): Frame[] {
    return this.sockets.at(-1) ?? [];
  }

  /**
   * Opens a socket, asks for a partner with `resume:true` and resolves
   * with the `response` once paired.
   */
  async start(ms = 5000): Promise<Frame> {
    this.state = "waiting";
    const socket = this.#open();
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "request", resume: true }));
    });
    await this.waitFor(() => this.state !== "waiting", ms, "response");
    const response = this.frames.find((f) => f.type === "response");
    if (!response) throw new Error(`no response: ${this.describe()}`);
    return response;
  }

  /** Says line `text`: sent now if connected, else after the resume. */
  say(text: string): number {
    const k = this.said.push(text);
    this.pending.set(k, text);
    if (this.state === "chat") this.#sendLine(k, text);
    return k;
  }

  /** Sends `frame` as it is on the socket open now. */
  sendRaw(frame: unknown): void {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    this.#socket?.send(text);
  }

  /**
   * Reconnects and sends `resume` now (for a client without autoResume);
   * resolves once it is `resumed`, has ended, or is reconnecting again.
   */
  async resume(ms = 5000): Promise<void> {
    clearTimeout(this.#timer);
    this.#reconnect();
    await this.waitFor(() => this.state !== "resuming", ms, "resume answer");
  }

  /** Ends the chat as End does: a close with `code`, awaited. */
  async end(code = 1000): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#closing = true;
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      this.#finish(this.ended?.code ?? code, this.ended?.reason ?? "");
      return;
    }
    if (socket.readyState !== WebSocket.CLOSING) socket.close(code);
    await this.waitFor(() => this.state === "ended", 5000, "own close");
  }

  /**
   * Resolves once `check()` holds (looked at after every frame, close and
   * state change); rejects after `ms` naming `what`.
   */
  waitFor(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
    if (check()) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer = setTimeout(() => {
      this.#waiters.delete(look);
      reject(new Error(`timed out waiting for ${what}: ${this.describe()}`));
    }, ms);
    const look = () => {
      if (!check()) return;
      clearTimeout(timer);
      this.#waiters.delete(look);
      resolve();
    };
    this.#waiters.add(look);
    return promise;
  }

  /** The client's state in a line, for failure messages. */
  describe(): string {
    return JSON.stringify({
      state: this.state,
      seen: this.seen,
      said: this.said.length,
      pending: [...this.pending.keys()],
      heard: this.heard.length,
      ended: this.ended,
      failures: this.failures,
      last: this.frames.filter((f) => f.type !== "online").slice(-5),
    });
  }

  #open(): WebSocket {
    const url = typeof this.#options.url === "string"
      ? this.#options.url
      : this.#options.url();
    const socket = new WebSocket(url);
    const frames: Frame[] = [];
    this.sockets.push(frames);
    this.#socket = socket;
    socket.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data as string) as Frame;
      frames.push(frame);
      if (socket === this.#socket) this.#take(frame);
      this.#wake();
    });
    socket.addEventListener("close", (e) => {
      if (socket === this.#socket) this.#onClose(e.code, e.reason);
      this.#wake();
    });
    return socket;
  }

  #take(frame: Frame): void {
    switch (frame.type) {
      case "response":
        if (this.state !== "waiting") return;
        this.token = frame.resume as string | undefined;
        this.state = "chat";
        return;
      case "resumed": {
        if (this.state !== "resuming") return;
        const m = frame.seen as number;
        for (const k of [...this.pending.keys()]) {
          if (k <= m) this.pending.delete(k);
        }
        this.state = "chat";
        this.resumes++;
        this.#attempt = 0;
        for (const [k, text] of this.pending) {
          this.resent++;
          this.#sendLine(k, text);
        }
        return;
      }
      case "message":
        if (frame.from === "me") {
          this.pending.delete(frame.seq as number);
          return;
        }
        return this.#heard(frame);
      case "partner_away":
        this.away++;
        return;
      case "partner_back":
        this.back++;
        return;
      case "error":
        if (frame.code === "resume_failed") {
          this.failures.push(String(frame.reason));
        }
        return;
    }
  }

  #heard(frame: Frame): void {
    let seq = frame.seq;
    if (typeof seq !== "number") {
      this.gaps.push(`no seq after ${this.seen}`);
      seq = this.seen + 1;
    }
    if ((seq as number) <= this.seen) {
      this.duplicates++;
      return;
    }
    if (seq !== this.seen + 1) {
      this.gaps.push(`seq ${seq} after ${this.seen}`);
    }
    this.seen = seq as number;
    this.heard.push({ seq: this.seen, text: String(frame.message) });
  }

  #onClose(code: number, reason: string): void {
    const resumable = (this.state === "chat" || this.state === "resuming") &&
      this.token !== undefined && !this.#closing && isDrop(code);
    if (!resumable) return this.#finish(code, reason);
    if (this.state === "chat") this.#droppedAt = Date.now();
    this.state = "reconnecting";
    if (this.#options.autoResume) this.#schedule();
  }

  #schedule(): void {
    const { backoff, giveUpAfter, random } = this.#options;
    const base = backoff[Math.min(this.#attempt, backoff.length - 1)];
    const wait = base * (1 + random() / 2);
    this.#attempt++;
    if (Date.now() + wait - this.#droppedAt > giveUpAfter) {
      return this.#finish(1006, "gave up reconnecting");
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reconnect();
    }, wait);
  }

  #reconnect(): void {
    this.state = "resuming";
    const socket = this.#open();
    socket.addEventListener("open", () => {
      socket.send(
        JSON.stringify({ type: "resume", token: this.token, seen: this.seen }),
      );
    });
    this.#wake();
  }

  #sendLine(k: number, text: string): void {
    this.#socket?.send(
      JSON.stringify({ type: "message", message: text, seq: k }),
    );
  }

  #finish(code: number, reason: string): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.state = "ended";
    this.ended ??= { code, reason };
    this.#wake();
  }

  #wake(): void {
    for (const look of [...this.#waiters]) look();
  }
}

/**
 * What went wrong in the lines `from` said as `to` took them: each lost,
 * duplicated, reordered or misnumbered line, and every seq gap `to` met.
 * Empty when every line arrived exactly once and in order.
 */
export function deliveryProblems(
  from: ResumableClient,
  to: ResumableClient,
): string[] {
  const problems = to.gaps.map((gap) => `gap: ${gap}`);
  const i = Math.max(from.said.length, to.heard.length);
  const first = Array.from({ length: i }, (_, k) => k).find((k) =>
    from.said[k] !== to.heard[k]?.text || to.heard[k]?.seq !== k + 1
  );
  if (first !== undefined) {
    problems.push(
      `line ${first + 1}: said ${JSON.stringify(from.said[first])}, got ${
        JSON.stringify(to.heard[first])
      }`,
    );
  }
  if (to.duplicates) problems.push(`${to.duplicates} duplicate lines`);
  return problems;
}

/** The id in a line `c<id>:<k>`, as the crowd tests number them. */
export function speaker(text: string): number {
  return Number(/^c(\d+):/.exec(text)?.[1] ?? -1);
}

/**
 * What went wrong in a crowd whose client `i` says lines `c<i>:<k>`: each
 * client's partner found from the lines it heard, then every line both
 * ways (`deliveryProblems`), and any line from another chat. Empty when
 * every line arrived once and in order.
 */
export function crowdProblems(clients: ResumableClient[]): string[] {
  const problems: string[] = [];
  for (const [i, c] of clients.entries()) {
    const partner = speaker(c.heard[0]?.text ?? "");
    const other = clients[partner];
    if (!other || speaker(other.heard[0]?.text ?? "") !== i) {
      problems.push(`c${i}: no partner found (${c.describe()})`);
      continue;
    }
    const wrong = deliveryProblems(other, c);
    if (c.heard.some((l) => speaker(l.text) !== partner)) {
      wrong.push("lines from another chat");
    }
    if (wrong.length) problems.push(`c${partner} → c${i}: ${wrong}`);
  }
  return problems;
}

/** Opens two resumable clients and pairs them with each other. */
export async function pairResumable(
  a: ResumableClientOptions,
  b: ResumableClientOptions,
): Promise<[ResumableClient, ResumableClient]> {
  const left = new ResumableClient(a);
  const right = new ResumableClient(b);
  await Promise.all([left.start(), right.start()]);
  return [left, right];
}

/** A server in process and a {@linkcode DropProxy} in front of it. */
export interface ResumeNet {
  server: TestServer;
  proxy: DropProxy;
  /** Cuts what is left, stops the proxy, then the server. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a server with `overrides` and a proxy to it. */
export async function resumeNet(
  overrides: Partial<Config> = {},
): Promise<ResumeNet> {
  const server = await startTestServer(overrides);
  const proxy = await DropProxy.start(server.handle.port);
  return {
    server,
    proxy,
    async [Symbol.asyncDispose]() {
      await proxy.close();
      await server.stop();
    },
  };
}
