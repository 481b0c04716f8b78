/**
 * Runs a throwaway `redis-server` on a free loopback port for a test, when
 * the binary is installed; tests that need it are ignored otherwise.
 *
 * @module
 */

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
  readonly url: string;
  /** Stops it abruptly (SIGKILL) and waits for the process to end. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function answers(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      return n !== null &&
        new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** Starts `redis-server` without persistence on a free port of 127.0.0.1. */
export async function startRedis(): Promise<RedisServer> {
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  async function launch(): Promise<void> {
    child = new Deno.Command(REDIS_SERVER, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (Date.now() > deadline) throw new Error("redis-server did not start");
      await new Promise((r) => setTimeout(r, 20));
    }
  }
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
  }
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}

/** Resolves once `check()` holds, polling; throws after `ms`. */
export async function until(
  check: () => boolean,
  ms = 5000,
  what = "condition",
): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}
