/**
 * The process-level acceptance of the shared backends: three server
 * processes on one Redis, real WebSocket clients, an instance killed with
 * SIGKILL, and Redis stopped and started again under them; and two server
 * processes on one Deno KV file. On both, two clients of two processes who
 * share an interest are paired and told so.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pair, TestClient } from "./helpers.ts";
import { HAS_REDIS, publishCalls, startRedis } from "./support/redis.ts";
import {
  NO_ADDRESS_LIMITS,
  type ServerProcess,
  spawnServer,
} from "./server_process.ts";

/**
 * A server on `backend` (such as `--redis-url …`) with no per-address limits,
 * a message rate a burst of 50 lines fits in, and strict first come, first
 * served, so that pairs span instances (a crash must have partners to close).
 */
function startInstance(backend: string[]): Promise<ServerProcess> {
  return spawnServer({
    args: [
      ...backend,
      ...NO_ADDRESS_LIMITS,
      ...["--rate-messages", "1000", "--rate-burst", "1000"],
      ...["--match-local-window", "0"],
    ],
    permissions: ["-A"],
  });
}

/** The next message from the partner, skipping our own echoes. */
async function heard(client: TestClient, ms = 5000): Promise<string> {
  for (;;) {
    const frame = await client.next("message", ms);
    if (frame.from === "guest") return frame.message as string;
  }
}

/** Who each client is paired with, learnt by each saying its own index. */
async function partners(clients: TestClient[]): Promise<number[]> {
  clients.forEach((c, i) => c.send({ type: "message", message: String(i) }));
  return await Promise.all(
    clients.map(async (c) => Number(await heard(c, 10_000))),
  );
}

/** `strangers_pairs_across_total`, summed over `servers`. */
async function pairsAcross(servers: ServerProcess[]): Promise<number> {
  let sum = 0;
  for (const server of servers) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    sum += Number(text.match(/^strangers_pairs_across_total (\d+)/m)?.[1]);
  }
  return sum;
}

/**
 * A plain client asks on `second`, then one on `first` and one on
 * `second` ask for music: those two are paired, whatever the order their
 * requests reach the store in, and each is told they share "music" (as
 * normalised); the plain one is not taken. All three are closed after.
 */
async function musicLovers(first: string, second: string): Promise<void> {
  const plain = await TestClient.open(second);
  const a = await TestClient.open(first);
  const b = await TestClient.open(second);
  try {
    plain.send({ type: "request", lang: "en" });
    a.send({ type: "request", interests: ["  Music"], lang: "en-GB" });
    b.send({ type: "request", interests: ["film", "music"], lang: "en" });
    const [ra, rb] = await Promise.all([
      a.next("response", 10_000),
      b.next("response", 10_000),
    ]);
    assert.deepEqual(ra.common, ["music"]);
    assert.deepEqual(rb.common, ["music"]);
    a.send({ type: "message", message: "which band?" });
    assert.equal(await heard(b), "which band?");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(plain.pending("response"), [], "the plain one waits");
  } finally {
    await Promise.all([plain, a, b].map((c) => c.close()));
  }
}

Deno.test({
  name: "three server processes on one Redis: pairs, crash, outage",
  ignore: !HAS_REDIS,
  async fn(t) {
    const redis = await startRedis();
    const servers = await Promise.all(
      [0, 1, 2].map(() => startInstance(["--redis-url", redis.url])),
    );
    const clients: TestClient[] = [];
    const home: number[] = [];
    try {
      const partner = await (async () => {
        for (let i = 0; i < 300; i++) {
          home.push(i % 3);
          clients.push(await TestClient.open(servers[i % 3].wsUrl));
        }
        for (const [i, c] of clients.entries()) {
          c.send({ type: "request" });
          // Let the three servers' requests interleave at Redis.
          if (i % 3 === 2) await new Promise((r) => setTimeout(r, 2));
        }
        await Promise.all(clients.map((c) => c.next("response", 15_000)));
        return await partners(clients);
      })();

      await t.step("300 clients make exactly 150 pairs", async () => {
        const pairs = new Set<string>();
        let cross = 0;
        partner.forEach((j, i) => {
          assert.notEqual(j, i);
          assert.equal(partner[j], i, "pairs are mutual");
          pairs.add([i, j].sort((a, b) => a - b).join(" "));
          if (home[i] !== home[j]) cross++;
        });
        assert.equal(pairs.size, 150);
        assert.ok(cross > 0, "some pairs span instances");
        assert.equal(await pairsAcross(servers), cross / 2, "the metric");
      });

      await t.step(
        "50 lines from each at once cross in order, many to a PUBLISH",
        async () => {
          const lines = 50;
          const across = clients.filter((_, i) => home[i] !== home[partner[i]]);
          const before = await publishCalls(redis.port);
          for (let n = 0; n < lines; n++) {
            for (const c of across) {
              c.send({ type: "message", message: `${n}` });
            }
          }
          await Promise.all(across.map(async (c) => {
            for (let n = 0; n < lines; n++) {
              assert.equal(await heard(c), `${n}`);
            }
          }));
          const published = await publishCalls(redis.port) - before;
          const crossed = across.length * lines;
          assert.ok(
            published < crossed / 4,
            `${published} PUBLISH for ${crossed} lines`,
          );
        },
      );

      await t.step(
        "two who share an interest on two instances are told so",
        () => musicLovers(servers[0].wsUrl, servers[1].wsUrl),
      );

      await t.step(
        "kill -9 one instance: partners closed 4000 in 5 s",
        async () => {
          servers[2].child.kill("SIGKILL");
          await servers[2].child.status;
          const orphans = partner
            .map((j, i) => [i, j])
            .filter(([i, j]) => home[i] !== 2 && home[j] === 2)
            .map(([i]) => i);
          assert.ok(orphans.length > 0);
          const start = Date.now();
          const closes = await Promise.all(
            orphans.map((i) => clients[i].closed),
          );
          assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
          for (const close of closes) assert.equal(close.code, 4000);
        },
      );

      await t.step(
        "Redis stopped: unavailable within 2 s, local chats go on",
        async () => {
          // A pair within instance 0, made now: the 300 above pair in the
          // order they asked, which may leave none within one instance.
          const [x, y] = await pair(servers[0].wsUrl);
          clients.push(x, y);
          const across = partner.findIndex((j, i) =>
            home[i] === 0 && home[j] === 1
          );
          await redis.stop();
          if (across !== -1) {
            const close = await clients[across].closed;
            assert.equal(close.code, 1011);
          }
          const late = await TestClient.open(servers[0].wsUrl);
          clients.push(late);
          const start = Date.now();
          late.send({ type: "request" });
          const error = await late.next("error", 2000);
          assert.equal(error.code, "unavailable");
          assert.ok(Date.now() - start < 2000);
          x.send({ type: "message", message: "still here" });
          assert.equal(await heard(y), "still here");
        },
      );

      await t.step(
        "Redis restarted: new pairs form with no server restart",
        async () => {
          await redis.restart();
          // Visitors come back as the page does: a new socket and a request,
          // again after an `unavailable`, until a partner is found.
          const join = async (server: ServerProcess) => {
            for (let attempt = 0; attempt < 50; attempt++) {
              const c = await TestClient.open(server.wsUrl);
              clients.push(c);
              c.send({ type: "request" });
              const answer = await Promise.race([
                c.next("response", 10_000),
                c.next("error", 10_000),
              ]);
              if (answer.type === "response") return c;
              await c.close();
              await new Promise((r) => setTimeout(r, 200));
            }
            throw new Error("never paired");
          };
          const [a, b] = await Promise.all([
            join(servers[0]),
            join(servers[1]),
          ]);
          a.send({ type: "message", message: "back again" });
          assert.equal(await heard(b), "back again");
        },
      );
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await Promise.all(servers.map((s) => s.stop()));
      await redis.stop();
    }
  },
});

Deno.test("two server processes on one Deno KV file pair, by interest too, and relay", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strangers-kv-" });
  const servers = await Promise.all(
    [0, 1].map(() => startInstance(["--kv-path", `${dir}/chat.db`])),
  );
  const clients: TestClient[] = [];
  try {
    const a = await TestClient.open(servers[0].wsUrl);
    const b = await TestClient.open(servers[1].wsUrl);
    clients.push(a, b);
    a.send({ type: "request" });
    // Frames are answered in order: once this error is back, `a` waits.
    a.send("?");
    await a.next("error");
    b.send({ type: "request" });
    await Promise.all([a.next("response"), b.next("response")]);
    a.send({ type: "message", message: "from the first process" });
    assert.equal(await heard(b), "from the first process");
    b.send({ type: "message", message: "from the second" });
    assert.equal(await heard(a), "from the second");
    await a.close();
    assert.equal((await b.closed).code, 4000);
    await musicLovers(servers[0].wsUrl, servers[1].wsUrl);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await Promise.all(servers.map((s) => s.stop()));
    await Deno.remove(dir, { recursive: true });
  }
});
