/**
 * A throwaway `redis-server` on a free loopback port, for the tests that need
 * a real Redis and for the benchmark's Redis scenario: no persistence, ready
 * once it answers `PING`, stopped outright. Tests that need it are ignored
 * where the binary is not installed ({@linkcode HAS_REDIS}).
 *
 * @module
 */

import { freePort, withTimeout } from "./net.ts";

/** Where Debian's `redis-server` package installs the server. */
export const REDIS_SERVER = "/usr/bin/redis-server";

/** Whether a real Redis can be started here. */
export const HAS_REDIS: boolean = (() => {
  try {
    return Deno.statSync(REDIS_SERVER).isFile;
  } catch {
    return false;
  }
})();

/** A running Redis of our own. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** The redis-server process itself (a new one after {@linkcode restart}). */
  readonly pid: number;
  /** Stops it abruptly (SIGKILL) and waits for the process to end. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

/** Options for {@linkcode startRedis}. */
export interface StartRedisOptions {
  /**
   * Starts a process from its argv (the binary first), for a caller that
   * pins or tracks its processes. Its stdout and stderr must be piped; the
   * pid must be redis-server's own, not a wrapper's.
   * @default {a plain `Deno.Command` with piped output}
   */
  spawn?: (argv: string[]) => Deno.ChildProcess;
}

/** Starts `redis-server` without persistence on a free port of 127.0.0.1. */
export async function startRedis(
  options: StartRedisOptions = {},
): Promise<RedisServer> {
  const port = freePort();
  const spawn = options.spawn ?? spawnPlain;
  let child: Deno.ChildProcess | undefined;
  let pid = 0;
  let drained = Promise.resolve();

  async function stop(): Promise<void> {
    if (!child) return;
    const running = child;
    child = undefined;
    try {
      running.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await running.status;
    await drained;
  }

  async function launch(): Promise<void> {
    const started = spawn([
      REDIS_SERVER,
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
    child = started;
    pid = started.pid;
    const tail: string[] = [];
    drained = Promise.all([
      keepTail(started.stdout, tail),
      keepTail(started.stderr, tail),
    ]).then(() => {});
    let exited = false;
    started.status.then(() => exited = true);
    const deadline = performance.now() + 10_000;
    while (!(await answers(port))) {
      if (exited || performance.now() > deadline) {
        await stop();
        const what = exited ? "exited" : "did not start";
        throw new Error(`redis-server ${what}: ${tail.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    // The benchmark reads this pid's CPU time: it must be redis-server's.
    const exe = Deno.readLinkSync(`/proc/${pid}/exe`);
    if (exe !== Deno.realPathSync(REDIS_SERVER)) {
      await stop();
      throw new Error(`pid ${pid} is ${exe}, not redis-server`);
    }
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return pid;
    },
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}

/**
 * Sends one inline command to the Redis on `port` over a fresh connection and
 * returns the reply: the text of a bulk string, or the line of a simple reply
 * (`+PONG`).
 */
export async function redisCommand(
  port: number,
  command: string,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(command + "\r\n"));
    const decoder = new TextDecoder();
    const buf = new Uint8Array(1 << 16);
    let text = "";
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) throw new Error(`redis closed during ${command}`);
      text += decoder.decode(buf.subarray(0, n), { stream: true });
      const eol = text.indexOf("\r\n");
      if (eol === -1) continue;
      if (!text.startsWith("$")) return text.slice(0, eol);
      // INFO is ASCII, so characters count as bytes here.
      const length = Number(text.slice(1, eol));
      if (text.length >= eol + 2 + length) {
        return text.slice(eol + 2, eol + 2 + length);
      }
    }
  } finally {
    conn.close();
  }
}

/** `PUBLISH` calls the Redis on `port` has served (`INFO commandstats`). */
export async function publishCalls(port: number): Promise<number> {
  const info = await withTimeout(redisCommand(port, "INFO commandstats"), {
    ms: 5000,
    label: "redis INFO",
  });
  return Number(info.match(/^cmdstat_publish:calls=(\d+)/m)?.[1] ?? 0);
}

/** Whether a Redis on `port` answers `PING` within a second. */
async function answers(port: number): Promise<boolean> {
  try {
    const reply = redisCommand(port, "PING");
    return await withTimeout(reply, { ms: 1000, label: "PING" }) === "+PONG";
  } catch {
    return false;
  }
}

function spawnPlain([command, ...args]: string[]): Deno.ChildProcess {
  return new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads a stream to its end, keeping its last 20 lines for error messages. */
async function keepTail(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  tail: string[],
): Promise<void> {
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    tail.push(...chunk.split("\n").filter(Boolean));
    tail.splice(0, tail.length - 20);
  }
}
