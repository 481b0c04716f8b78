/**
 * Process control for the benchmark: starting servers and load generators
 * pinned to a core, reading a process's CPU time and memory from `/proc`,
 * and stopping every child at the end. Also the server flag sets the
 * scenarios start our server with.
 *
 * @module
 */

import { SERVER_PERMISSIONS } from "../lib/ops/permissions.ts";
import { NO_ADDRESS_LIMITS } from "../tests/server_process.ts";
import { lines } from "./lib.ts";

/** The repository root, with a trailing slash. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/**
 * The deno binary itself: `deno` on the PATH may be a wrapper script (npm's
 * shim) that would stand between us and the process we measure and signal.
 */
export const DENO: string = Deno.execPath();

/**
 * Reports and bans in memory: a benchmark must leave no store behind under
 * `DATA_DIR`, nor find one from an earlier run.
 */
const NO_STORE = ["--data-dir", ":memory:"];

/**
 * Limits that would throttle a single-address load test (with the proof of
 * work), turned off.
 */
export const OURS_BASE: readonly string[] = [
  ...NO_ADDRESS_LIMITS,
  ...NO_STORE,
  // The listening line as plain text, warnings only after it.
  "--log-format",
  "text",
  "--log-level",
  "warn",
];

/** For closed-loop relay: a visitor sends far above a human's rate. */
export const OURS_UNTHROTTLED: readonly string[] = [
  ...OURS_BASE,
  "--rate-messages",
  "1000000",
  "--rate-burst",
  "1000000",
];

/**
 * Every limit at its default (the proof of work too), each visitor known by
 * its own X-Forwarded-For address (the generator sends one): an abuser meets
 * the limits it would meet in production, the thousand others behind
 * loopback do not.
 */
export const OURS_REAL: readonly string[] = [
  ...NO_STORE,
  "--trust-proxy",
  "--log-format",
  "text",
  "--log-level",
  "warn",
];

/** `flags` with the value after `name` set to `value` (appended if absent). */
export function withFlag(
  flags: readonly string[],
  name: string,
  value: string,
): string[] {
  const at = flags.indexOf(name);
  if (at === -1) return [...flags, name, value];
  return flags.with(at + 1, value);
}

// ---------------------------------------------------------------- /proc

/** CPU seconds (user + system) and memory (kB) of one process. */
export interface ProcSample {
  /** User plus system CPU time, in seconds. */
  cpu: number;
  /** Resident set size, in kB. */
  rssKb: number;
  /** Peak resident set size, in kB. */
  hwmKb: number;
}

/** Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = 100;

/** Reads user + system CPU seconds from `/proc/PID/stat`. */
export function readCpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 (utime) and 15 (stime) of proc(5), here at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * Starts counting the CPU of `pids`: the function returned gives each
 * one's seconds since, in order.
 */
export function cpuFrom(pids: readonly number[]): () => number[] {
  const before = pids.map(readCpuSeconds);
  return () => pids.map((pid, i) => readCpuSeconds(pid) - before[i]);
}

/** Reads VmRSS and VmHWM (kB) from `/proc/PID/status`. */
export function readMemoryKb(pid: number): { rssKb: number; hwmKb: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => {
    const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) : NaN;
  };
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

/** Samples CPU and memory of a process at once. */
export function sampleProc(pid: number): ProcSample {
  return { cpu: readCpuSeconds(pid), ...readMemoryKb(pid) };
}

// ---------------------------------------------------------------- children

const children = new Set<Deno.ChildProcess>();

/** Options for {@linkcode spawn}. */
export interface SpawnOptions {
  /** The CPU core to pin the process to (`taskset -c`). */
  core: number;
  /** Run at nice 19. @default {false} */
  nice?: boolean;
  /** Pipe stdin (otherwise null). @default {false} */
  stdin?: boolean;
}

/**
 * Starts `argv` pinned to a core with 20,000 descriptors, stdout and stderr
 * piped; taskset and bash exec in place, so the child's pid is the
 * program's own. Every child is remembered for {@linkcode stopAll}.
 */
export function spawn(
  argv: string[],
  options: SpawnOptions,
): Deno.ChildProcess {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const nice = options.nice ? "nice -n 19 " : "";
  const child = new Deno.Command("taskset", {
    args: [
      "-c",
      String(options.core),
      "bash",
      "-c",
      `ulimit -n 20000 2>/dev/null; exec ${nice}${quoted}`,
    ],
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).spawn();
  children.add(child);
  child.status.finally(() => children.delete(child));
  return child;
}

/** Sends `signal` and waits for the exit, with SIGKILL after 5 s. */
export async function stop(
  child: Deno.ChildProcess,
  signal: Deno.Signal = "SIGTERM",
): Promise<void> {
  try {
    child.kill(signal);
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 5000);
  await child.status;
  clearTimeout(timer);
}

/** Kills every child still running (at the end of a run, or on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child, "SIGKILL")));
}

/** Drains a stream, keeping the last lines in `tail` for error messages. */
export async function drain(
  stream: ReadableStream<Uint8Array>,
  tail: string[],
): Promise<void> {
  for await (const line of lines(stream)) {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  }
}

// ---------------------------------------------------------------- servers

/**
 * Whose server: ours (`main.ts`), the reference relay on Deno
 * (`reference_relay.ts`), the same relay on Node with npm `ws`
 * (`node_reference_relay.mjs`), or on Deno through Redis
 * (`reference_redis_relay.ts`, which takes `--redis-url` in `args`).
 */
export type Target = "ours" | "reference" | "node" | "reference-redis";

/** Whether the Node reference can run here: the node binary, or why not. */
export type NodeReference = { ok: true; node: string } | {
  ok: false;
  reason: string;
};

/**
 * Finds `node` on the PATH (its real path, for the pid check) and npm `ws`
 * in `node_modules` (`npm ci`; `deno task build` links Deno's copy there).
 */
export function nodeReference(): NodeReference {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  const deno = Deno.realPathSync(DENO);
  // Where node is missing, Deno puts a `node` of its own first on the PATH
  // (a link to itself, for npm scripts): that one is not Node.
  const node = dirs.map((dir) => realExecutable(`${dir}/node`))
    .find((path) => path && path !== deno);
  if (!node) return { ok: false, reason: "node is not on the PATH" };
  if (!isFile(`${ROOT}node_modules/ws/package.json`)) {
    return { ok: false, reason: "node_modules/ws is missing (npm ci)" };
  }
  return { ok: true, node };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The real path of an executable file, or `undefined`. */
function realExecutable(path: string): string | undefined {
  try {
    const stat = Deno.statSync(path);
    if (stat.isFile && ((stat.mode ?? 0) & 0o111) !== 0) {
      return Deno.realPathSync(path);
    }
  } catch { /* not there */ }
  return undefined;
}

/** A server started by {@linkcode startServer}. */
export interface Server {
  target: Target;
  pid: number;
  port: number;
  child: Deno.ChildProcess;
}

/** Options for {@linkcode startServer}. */
export interface StartServerOptions {
  /** Server flags after `--port 0 --hostname 0.0.0.0`. @default {[]} */
  args?: readonly string[];
  /** Our server's entry module. @default {`main.ts` of this repository} */
  entry?: string;
  /** Deno flags before the entry, such as `--cpu-prof`. @default {[]} */
  denoFlags?: readonly string[];
}

/**
 * Starts a server on core 0, on a port of its choosing on 0.0.0.0, and
 * resolves once it has said where it listens (30 s at most).
 */
export async function startServer(
  target: Target,
  options: StartServerOptions = {},
): Promise<Server> {
  const argv = serverArgv(target, options);
  const child = spawn(argv, { core: 0 });
  const tail: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${target} did not start: ${tail.join("\n")}`)),
      30_000,
    );
    const watch = async (stream: ReadableStream<Uint8Array>) => {
      for await (const line of lines(stream)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        const match = line.match(/listening on http:\/\/[^\s"]+?:(\d+)/i);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    };
    watch(child.stdout);
    watch(child.stderr);
    child.status.then((status) => {
      clearTimeout(timer);
      reject(
        new Error(`${target} exited (${status.code}): ${tail.join("\n")}`),
      );
    });
  });
  // The figures are only worth anything if this pid is the server itself.
  const exe = Deno.readLinkSync(`/proc/${child.pid}/exe`);
  if (exe !== Deno.realPathSync(argv[0])) {
    throw new Error(`pid ${child.pid} is ${exe}, not ${argv[0]}`);
  }
  return { target, pid: child.pid, port, child };
}

function serverArgv(target: Target, options: StartServerOptions): string[] {
  if (target === "node") {
    const node = nodeReference();
    if (!node.ok) throw new Error(`node reference: ${node.reason}`);
    return [node.node, `${ROOT}bench/node_reference_relay.mjs`, "--port", "0"];
  }
  if (target === "reference") {
    const entry = `${ROOT}bench/reference_relay.ts`;
    return [DENO, "run", "--allow-net", entry, "--port", "0"];
  }
  if (target === "reference-redis") {
    const entry = `${ROOT}bench/reference_redis_relay.ts`;
    return [DENO, "run", "-A", entry, "--port", "0", ...options.args ?? []];
  }
  return [
    DENO,
    "run",
    ...SERVER_PERMISSIONS,
    ...options.denoFlags ?? [],
    options.entry ?? `${ROOT}main.ts`,
    "--port",
    "0",
    "--hostname",
    "0.0.0.0",
    ...options.args ?? [],
  ];
}

/** The value of `name` (a counter or gauge without labels) on `/metrics`. */
export async function metricOf(server: Server, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  const text = await response.text();
  const value = text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1];
  if (value === undefined) throw new Error(`${name} not on /metrics`);
  return Number(value);
}
