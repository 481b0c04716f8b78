/**
 * The README's way to run, exactly as written: `deno task start` in the
 * repository, configured only through the environment, once per pairing
 * backend (memory, Redis, a Deno KV file). Each must serve, pair two
 * visitors and stop with exit 0 on SIGTERM, so that a permission the task
 * forgot to grant fails here and not on a site owner's machine.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pair } from "./helpers.ts";
import { freePort, withTimeout } from "./support/net.ts";
import { HAS_REDIS, startRedis } from "./support/redis.ts";

const ROOT = new URL("../", import.meta.url);
const LISTENING = /Strangers listening on (http:\/\/[^\s"]+)/;

/**
 * Runs `deno task start` with `env`, checks /healthz and a pairing, then
 * SIGTERM; returns the exit code.
 */
async function startAsDocumented(env: Record<string, string>): Promise<void> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: ROOT,
    // HOSTNAME pinned: a container may export its own name under it.
    env: {
      ...env,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      LOG_FORMAT: "text",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const { promise: listening, resolve, reject } = Promise.withResolvers<
    string
  >();
  const collect = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        const url = LISTENING.exec(line)?.[1];
        if (url) resolve(url);
      }
    }
    if (rest) lines.push(rest);
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  child.status.then((s) =>
    reject(
      new Error(`exited (${s.code}) before listening:\n${lines.join("\n")}`),
    )
  );
  try {
    const announced = await withTimeout(listening, {
      ms: 40_000,
      label: "deno task start",
    });
    assert.equal(new URL(announced).port, String(port));
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200, lines.join("\n"));
    await health.body?.cancel();
    const [a, b] = await pair(`ws://127.0.0.1:${port}/ws`);
    a.send({ type: "message", message: "hello" });
    assert.equal((await b.next("message")).message, "hello");
    await a.close();
    await b.close();
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  }
  const status = await child.status;
  await drained;
  assert.equal(status.code, 0, lines.join("\n"));
  assert.ok(
    !lines.some((line) => /Requires \w+ access/.test(line)),
    lines.join("\n"),
  );
}

Deno.test("deno task start serves in memory, pairs two, and exits 0 on SIGTERM", async () => {
  await startAsDocumented({});
});

Deno.test({
  name: "deno task start with REDIS_URL pairs through Redis",
  ignore: !HAS_REDIS,
  async fn() {
    const redis = await startRedis();
    try {
      await startAsDocumented({ REDIS_URL: redis.url });
    } finally {
      await redis.stop();
    }
  },
});

Deno.test("deno task start with KV_PATH pairs through a Deno KV file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strangers-kv-" });
  try {
    const path = `${dir}/chat.db`;
    await startAsDocumented({ KV_PATH: path });
    assert.ok((await Deno.stat(path)).isFile, "the KV file was created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
