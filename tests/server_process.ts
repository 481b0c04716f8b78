/**
 * `main.ts` run as a subprocess of a test, so that its output, memory, exit
 * code and signal handling can be watched as an operator would see them.
 *
 * @module
 */

import { SERVER_PERMISSIONS } from "../lib/ops/permissions.ts";

const ROOT = new URL("../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;
const LISTENING = /Strangers listening on (http:\/\/[^\s"]+)/;

/**
 * Server flags that lift the per-address socket and handshake limits, the
 * pairing cap and the proof of work, for tests (and the benchmark) that
 * open many sockets from 127.0.0.1.
 */
export const NO_ADDRESS_LIMITS: readonly string[] = [
  "--max-sockets-per-ip",
  "0",
  "--max-handshakes-per-minute",
  "0",
  "--max-http-connections-per-ip",
  "0",
  "--max-pairings-per-minute",
  "0",
  "--pow-mode",
  "off",
];

/** A server running as a subprocess of the test. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT`, as the server announced it. */
  url: string;
  /** `ws://127.0.0.1:PORT/ws` */
  wsUrl: string;
  port: number;
  pid: number;
  child: Deno.ChildProcess;
  /** Every line the process printed so far, stdout and stderr interleaved. */
  lines: string[];
  /** Every stdout line so far. */
  stdout: string[];
  /** Every stderr line so far. */
  stderr: string[];
  /** Resident memory of the server process, in bytes (Linux). */
  rss(): Promise<number>;
  /** Resolves with the exit status once the process has ended. */
  status: Promise<Deno.CommandStatus>;
  /** Resolves once both output streams have ended. */
  drained: Promise<void>;
  /** SIGTERM, then waits for the exit and the end of the output. */
  stop(): Promise<Deno.CommandStatus>;
}

/** Options for {@linkcode spawnServer}. */
export interface SpawnServerOptions {
  /** Server flags after the port and hostname. @default {[]} */
  args?: readonly string[];
  /** Extra environment variables (`LOG_LEVEL`, …). @default {{}} */
  env?: Record<string, string>;
  /** Permission flags for `deno run`. @default {SERVER_PERMISSIONS} */
  permissions?: readonly string[];
  /** Flags for the V8 engine, such as `--expose-gc`. @default {[]} */
  v8Flags?: string[];
  /** Working directory of the process. @default {the repository root} */
  cwd?: string | URL;
  /** `LOG_FORMAT` of the server. @default {"json"} */
  logFormat?: "json" | "text" | "auto";
  /** The process's open-file limit (`ulimit -n`). @default {inherited} */
  fileLimit?: number;
}

/**
 * Starts `main.ts` on 127.0.0.1 with a free port; resolves once it has
 * announced where it listens, rejects with its output if it exits before.
 */
export async function spawnServer(
  options: SpawnServerOptions = {},
): Promise<ServerProcess> {
  const v8 = options.v8Flags?.length
    ? [`--v8-flags=${options.v8Flags.join(",")}`]
    : [];
  const deno = [
    Deno.execPath(),
    "run",
    ...(options.permissions ?? SERVER_PERMISSIONS),
    ...v8,
    MAIN,
    "--port",
    "0",
    "--hostname",
    "127.0.0.1",
    // Tests keep reports and bans in memory unless they pass their own.
    "--data-dir",
    ":memory:",
    ...(options.args ?? []),
  ];
  // bash execs deno in place, so the child's pid is the server's.
  const [command, ...args] = options.fileLimit
    ? [
      "bash",
      "-c",
      `ulimit -n ${options.fileLimit} && exec "$@"`,
      "-",
      ...deno,
    ]
    : deno;
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { ...options.env, LOG_FORMAT: options.logFormat ?? "json" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { promise: listening, resolve, reject } = Promise.withResolvers<
    string
  >();
  const collect = async (
    stream: ReadableStream<Uint8Array<ArrayBuffer>>,
    own: string[],
  ) => {
    let rest = "";
    const take = (line: string) => {
      lines.push(line);
      own.push(line);
      const url = LISTENING.exec(line)?.[1];
      if (url) resolve(url);
    };
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      parts.forEach(take);
    }
    if (rest) take(rest);
  };
  const drained = Promise.all([
    collect(child.stdout, stdout),
    collect(child.stderr, stderr),
  ]).then(() => {});
  const status = child.status;
  Promise.all([status, drained]).then(([s]) =>
    reject(new Error(`server exited (${s.code}):\n${lines.join("\n")}`))
  );
  const url = await listening;
  const port = Number(new URL(url).port);
  return {
    url,
    wsUrl: url.replace(/^http/, "ws") + "/ws",
    port,
    pid: child.pid,
    child,
    lines,
    stdout,
    stderr,
    rss: () => rssOf(child.pid),
    status,
    drained,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const result = await status;
      await drained;
      return result;
    },
  };
}

/** VmRSS of process `pid`, in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = /VmRSS:\s+(\d+) kB/.exec(text)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}
