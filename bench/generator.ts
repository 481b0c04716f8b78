/**
 * The orchestrator's handle on a load generator (`bench/load.ts`) running
 * on core 1: one JSON command per line on its stdin, one JSON reply per line
 * on its stdout, and the shapes of those replies.
 *
 * @module
 */

import type { RequestSpec } from "./interests.ts";
import { withTimeout } from "../tests/support/net.ts";
import { lines, type Percentiles, type Stalls } from "./lib.ts";
import { DENO, drain, ROOT, type Server, spawn, stop } from "./process.ts";

/** Destination loopback addresses the generators rotate through. */
const HOSTS = 8;

/** Reply to `add`: the visitors opened and how long pairing them took. */
export interface AddReply {
  added: number;
  paired: number;
  /** Not every visitor was paired or closed within the timeout. */
  timedOut: boolean;
  errors: number;
  elapsedMs: number;
  allPairedMs: number;
  connect: Percentiles;
  joinToPaired: Percentiles;
  requestToPaired: Percentiles;
  errorKinds: Record<string, number>;
  /** Raw samples, so that the orchestrator can merge several generators. */
  joinToPairedSamples: number[];
  /** Paired visitors whose `response` named an interest both share. */
  sharing: number;
}

/** Reply to `closed` and `open`: one measurement window. */
export interface WindowReply {
  seconds: number;
  sent: number;
  echoes: number;
  /** Lines received from a partner. */
  guests: number;
  /** `online` frames received. */
  online: number;
  messagesPerSecond: number;
  echo: Percentiles;
  relay: Percentiles;
  errors: number;
  visitors: number;
}

/** Reply to `closed`: each visitor sent its next line after its echo. */
export type ClosedReply = WindowReply;

/** Reply to `open`: a window of lines sent on schedule. */
export interface OpenReply extends WindowReply {
  offeredPerSecond: number;
  /** Lines sent and never received by the partner. */
  lost: number;
}

/** Reply to `flood`: what one visitor sending flat out achieved. */
export interface FloodReply {
  seconds: number;
  sent: number;
  sentPerSecond: number;
  reconnects: number;
  /** Close code → how often the server closed the flooder with it. */
  closes: Record<string, number>;
}

/** Reply to `churn`: conversations begun and ended over and over. */
export interface ChurnReply {
  seconds: number;
  slots: number;
  responses: number;
  conversations: number;
  responsesPerSecond: number;
  pairing: Percentiles;
  errors: number;
  errorKinds: Record<string, number>;
}

/** Reply to `present`: visitors opened that said `presence`. */
export interface PresentReply {
  added: number;
  /** Open now, of every presence visitor this generator holds. */
  open: number;
  /** Of those, answered with an `online` frame (ours answers presence). */
  answered: number;
  errors: number;
  elapsedMs: number;
}

/** Reply to `watch`: a window of presence visitors sitting on the count. */
export interface WatchReply {
  seconds: number;
  /** Presence visitors open at the end. */
  present: number;
  /** `online` frames they received in the window. */
  online: number;
  /** Times this generator changed the count (a pair joined or left). */
  changes: number;
  /** From a change to a presence visitor seeing a pushed count (ms). */
  seen: Percentiles;
  errors: number;
  errorKinds: Record<string, number>;
}

/** A command to `load.ts`, one JSON line; each reply says its `cmd`. */
export interface Command {
  cmd: string;
  count?: number;
  batch?: number;
  seconds?: number;
  rate?: number;
  slots?: number;
  lines?: number;
  timeout?: number;
  every?: number;
  requests?: RequestSpec;
}

/** Reply to `chat`: realistic chatters for a window (`load_chatting.ts`). */
export interface ChatReply {
  seconds: number;
  /** Chatters in a chat at the end. */
  visitors: number;
  /** Opened before the window to reach the count asked for. */
  joined: number;
  /** Left and replaced during the window. */
  replaced: number;
  sent: number;
  guests: number;
  linesPerSecond: number;
  relay: Percentiles;
  /** The generator's own event loop while chatting. */
  stalls: Stalls;
  errors: number;
  errorKinds: Record<string, number>;
}

/** Reply to `check`: the visitors open and paired now, errors so far. */
export interface CheckReply {
  visitors: number;
  open: number;
  paired: number;
  errors: number;
  errorKinds: Record<string, number>;
}

/** Options for a {@linkcode Generator}. */
export interface GeneratorOptions {
  /** Offset into the host list (`--id`). */
  id: number;
  /** Run at nice 19, so as not to delay the other generators. @default {false} */
  nice?: boolean;
  /** `unique` or an address to send as X-Forwarded-For. @default {none} */
  forwarded?: string;
  /** Seconds after which the generator exits whatever happens. @default {600} */
  deadline?: number;
}

/** A load generator process driven by JSON lines. */
export class Generator {
  readonly child: Deno.ChildProcess;
  readonly #replies: AsyncGenerator<string>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stderr: string[] = [];

  /** With several servers, visitor k connects to `servers[k % n]`. */
  constructor(server: Server | Server[], options: GeneratorOptions) {
    this.child = spawn([
      DENO,
      "run",
      "--allow-net",
      `${ROOT}bench/load.ts`,
      ...(Array.isArray(server)
        ? ["--ports", server.map((s) => s.port).join(",")]
        : ["--port", String(server.port)]),
      "--hosts",
      String(HOSTS),
      "--id",
      String(options.id),
      "--deadline",
      String(options.deadline ?? 600),
      ...(options.forwarded ? ["--forwarded", options.forwarded] : []),
    ], { core: 1, nice: options.nice, stdin: true });
    this.#replies = lines(this.child.stdout);
    this.#writer = this.child.stdin.getWriter();
    drain(this.child.stderr, this.#stderr);
  }

  /** The generator's process id. */
  get pid(): number {
    return this.child.pid;
  }

  /** Sends one command and waits for its reply. */
  async call<T = Record<string, unknown>>(
    command: Record<string, unknown>,
  ): Promise<T> {
    await this.#writer.write(
      new TextEncoder().encode(JSON.stringify(command) + "\n"),
    );
    for (;;) {
      const next = await this.#replies.next();
      if (next.done) {
        throw new Error(
          `generator exited during ${command.cmd}: ${this.#stderr.join("\n")}`,
        );
      }
      if (next.value.startsWith("{")) return JSON.parse(next.value) as T;
    }
  }

  /** Asks the generator to close its sockets and exit, then kills it. */
  async quit(): Promise<void> {
    try {
      await withTimeout(this.call({ cmd: "quit" }), {
        ms: 5000,
        label: "quit",
      });
    } catch { /* stopped below */ }
    await stop(this.child, "SIGKILL");
  }
}
