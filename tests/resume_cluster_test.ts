/**
 * Resume on another instance (issue 16): with Redis or Deno KV, a visitor
 * that drops from instance A comes back on instance B. Servers run in
 * process on one store; A is reached through a proxy that cuts the
 * visitor's TCP. The partner sits on A itself or on a third instance.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Config } from "../lib/ops/config.ts";
import { DropProxy } from "./drop_proxy.ts";
import { startTestServer, type TestServer } from "./helpers.ts";
import {
  deliveryProblems,
  pairResumable,
  type ResumableClient,
} from "./resume_helpers.ts";
import { HAS_REDIS, startRedis } from "./support/redis.ts";

/** Says `lines` and waits until the server echoed them all. */
async function sayAll(client: ResumableClient, ...lines: string[]) {
  for (const line of lines) client.say(line);
  await client.waitFor(() => client.pending.size === 0, 5000, "echoes");
}

/**
 * On three instances of one store (`store`: what each server is given to
 * find it), `v` chats through a proxy to A with `p` on A or C, drops, and
 * resumes on B: the gap's lines arrive once and in order, its unconfirmed
 * lines are resent once, `p` hears away then back, and the chat goes on
 * both ways, then ends as any chat does.
 */
async function resumeOnB(store: Partial<Config>, partnerOn: 0 | 2) {
  const servers: TestServer[] = [];
  for (let i = 0; i < 3; i++) servers.push(await startTestServer(store));
  const proxy = await DropProxy.start(servers[0].handle.port);
  try {
    const urls = [proxy.wsUrl("v"), servers[1].wsUrl];
    let socket = 0;
    const [v, p] = await pairResumable(
      { url: () => urls[Math.min(socket++, 1)], backoff: [100] },
      { url: servers[partnerOn].wsUrl, autoResume: false },
    );
    await sayAll(v, "v1", "v2");
    await sayAll(p, "p1");
    await v.waitFor(() => v.heard.length === 1);
    await p.waitFor(() => p.heard.length === 2);

    // The route to v dies: p2 reaches A but not v; v3 never reaches A.
    assert.equal(proxy.blackHole("v"), 1);
    await sayAll(p, "p2");
    v.say("v3");
    assert.equal(proxy.cut("v"), 1);
    await p.waitFor(() => p.away === 1, 5000, "partner_away");
    await sayAll(p, "p3", "p4");

    await v.waitFor(() => v.resumes === 1, 10_000, "the resume on B");
    assert.equal(v.sockets.length, 2, "one socket to A, one to B");
    await v.waitFor(() => v.heard.length === 4, 5000, "the gap's lines");
    await p.waitFor(() => p.back === 1, 5000, "partner_back");
    await p.waitFor(() => p.heard.length === 3, 5000, "v3, resent");
    assert.equal(v.resent, 1);

    // The chat goes on both ways, lines from p now reaching B directly.
    await sayAll(p, "p5", "p6");
    await sayAll(v, "v4");
    await v.waitFor(() => v.heard.length === 6, 5000, "p5, p6");
    await p.waitFor(() => p.heard.length === 4, 5000, "v4");
    assert.deepEqual(deliveryProblems(v, p), []);
    assert.deepEqual(deliveryProblems(p, v), []);
    assert.equal(v.state, "chat");
    assert.deepEqual(v.failures, []);

    await v.end();
    await p.waitFor(() => p.state === "ended", 5000, "the end");
    assert.equal(p.ended?.code, 4000);
  } finally {
    await proxy.close();
    for (const server of servers) await server.stop();
  }
}

Deno.test({
  name: "resume elsewhere (Redis): a visitor dropped from A resumes on B",
  ignore: !HAS_REDIS,
  async fn(t) {
    const redis = await startRedis();
    try {
      const store = { redisUrl: redis.url };
      await t.step(
        "its partner on a third instance",
        () => resumeOnB(store, 2),
      );
      await t.step("its partner on A", () => resumeOnB(store, 0));
    } finally {
      await redis.stop();
    }
  },
});

Deno.test("resume elsewhere (Deno KV): a visitor dropped from A resumes on B", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const store = { kvPath: `${dir}/kv.sqlite` };
    await t.step("its partner on a third instance", () => resumeOnB(store, 2));
    await t.step("its partner on A", () => resumeOnB(store, 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "resume elsewhere (Redis): a token nobody holds is refused with 4005",
  ignore: !HAS_REDIS,
  async fn() {
    const redis = await startRedis();
    const a = await startTestServer({ redisUrl: redis.url });
    try {
      const socket = new WebSocket(a.wsUrl);
      const frames: string[] = [];
      socket.onmessage = (e) => frames.push(e.data as string);
      const closed = new Promise<number>((resolve) => {
        socket.onclose = (e) => resolve(e.code);
      });
      await new Promise((r) => socket.onopen = r);
      socket.send(
        JSON.stringify({ type: "resume", token: "x".repeat(40), seen: 0 }),
      );
      assert.equal(await closed, 4005);
      assert.match(frames.join(), /unknown or expired token/);
    } finally {
      await a.stop();
      await redis.stop();
    }
  },
});
