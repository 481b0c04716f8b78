/**
 * A rolling restart with Redis (issue 16): three server processes on one
 * Redis, 150 resumable pairs chatting at a steady rate; each instance in
 * turn gets SIGTERM (its chats are handed over, not ended), exits 0 and is
 * started again before the next. Every chat survives, and every line each
 * side said reached the other exactly once and in order.
 *
 * @module
 */

import assert from "node:assert/strict";
import { crowdProblems, ResumableClient } from "./resume_helpers.ts";
import { prng } from "./security_helpers.ts";
import { HAS_REDIS, startRedis } from "./support/redis.ts";
import {
  NO_ADDRESS_LIMITS,
  type ServerProcess,
  spawnServer,
} from "./server_process.ts";
import { settle } from "./support/wait.ts";

const PAIRS = 150;
/** Each side says a line every 500–1000 ms. */
const EVERY_MS = 500;
const SEED = 1012;

/** An instance on `redisUrl`, as an operator would start one. */
function startInstance(redisUrl: string): Promise<ServerProcess> {
  return spawnServer({
    args: ["--redis-url", redisUrl, ...NO_ADDRESS_LIMITS],
    env: { LOG_LEVEL: "warn" },
    permissions: ["-A"],
  });
}

Deno.test({
  name:
    "rolling restart on Redis: 150 pairs on three instances, each restarted in turn; no chat and no line lost",
  ignore: !HAS_REDIS,
  async fn() {
    const redis = await startRedis();
    const servers = await Promise.all(
      [0, 1, 2].map(() => startInstance(redis.url)),
    );
    /** The instances a client may connect to now: not one stopping. */
    const live = new Set(servers);
    const random = prng(SEED);
    const pick = () => {
      const urls = [...live].map((s) => s.wsUrl);
      return urls[Math.floor(random() * urls.length)];
    };
    // Spread over the three at first; after that, any live instance.
    const clients = Array.from({ length: 2 * PAIRS }, (_, i) => {
      let sockets = 0;
      const url = () => sockets++ === 0 ? servers[i % 3].wsUrl : pick();
      return new ResumableClient({ url, random });
    });
    let ticker: ReturnType<typeof setInterval> | undefined;
    const exits: number[] = [];
    try {
      await Promise.all(clients.map((c) => c.start(30_000)));
      for (const c of clients) assert.equal(c.state, "chat", c.describe());
      const due = clients.map(() => Date.now() + random() * EVERY_MS);
      ticker = setInterval(() => {
        const now = Date.now();
        for (const [i, c] of clients.entries()) {
          if (due[i] > now || c.state === "ended") continue;
          c.say(`c${i}:${c.said.length + 1}`);
          due[i] = now + EVERY_MS * (1 + random());
        }
      }, 25);
      await new Promise((r) => setTimeout(r, 2000));

      for (let i = 0; i < 3; i++) {
        const old = servers[i];
        live.delete(old);
        exits.push((await old.stop()).code);
        const fresh = await startInstance(redis.url);
        servers[i] = fresh;
        live.add(fresh);
        await new Promise((r) => setTimeout(r, 1000));
      }
      await new Promise((r) => setTimeout(r, 2000));
      clearInterval(ticker);

      const said = () => clients.reduce((n, c) => n + c.said.length, 0);
      const heard = () => clients.reduce((n, c) => n + c.heard.length, 0);
      const quiet = await settle(
        () =>
          clients.every((c) => c.state === "chat" && c.pending.size === 0) &&
          heard() >= said(),
        20_000,
      );
      const sum = (f: (c: ResumableClient) => number) =>
        clients.reduce((n, c) => n + f(c), 0);
      const ended = clients.filter((c) => c.state === "ended");
      console.log(
        `${PAIRS} pairs, ${said()} lines, ${sum((c) => c.resumes)} resumes, ` +
          `${sum((c) => c.resent)} lines resent, ` +
          `${sum((c) => c.failures.length)} resume failures, ` +
          `${ended.length} clients ended`,
      );
      assert.deepEqual(exits, [0, 0, 0], "each instance exited 0");
      assert.deepEqual(
        ended.map((c) => c.describe()).slice(0, 5),
        [],
        "no chat ended",
      );
      const problems = crowdProblems(clients);
      assert.deepEqual(problems.slice(0, 5), [], `${problems.length} chats`);
      assert.ok(quiet, "every client settled with all lines confirmed");
      assert.ok(sum((c) => c.resumes) >= 2 * PAIRS, "every client moved");
      assert.equal(sum((c) => c.duplicates), 0, "no duplicate partner line");
    } finally {
      clearInterval(ticker);
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      for (const server of servers) await server.stop();
      await redis.stop();
    }
  },
});
