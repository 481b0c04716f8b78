/**
 * Bans beyond one process: a shadowban made by reports on one server
 * process holds on another sharing its Redis within a second, and one
 * kept in the embedded store (a folder under `--data-dir`) holds after a
 * restart. Visitors come from many addresses (`X-Forwarded-For`).
 *
 * @module
 */

import { HAS_REDIS, startRedis } from "./support/redis.ts";
import {
  NO_ADDRESS_LIMITS,
  type ServerProcess,
  spawnServer,
} from "./server_process.ts";
import { from, metOnlyTheBanned, reportThrice } from "./support/visitors.ts";

const SPAMMER = "198.51.100.7";
const OTHER = "198.51.100.8";

/**
 * A server with `args`, trusting `X-Forwarded-For`, without address
 * limits or proof of work (a reported visitor would be asked for one).
 */
function start(args: string[]): Promise<ServerProcess> {
  return spawnServer({
    args: [...args, ...NO_ADDRESS_LIMITS, "--trust-proxy", "x-forwarded-for"],
    permissions: ["-A"],
  });
}

/**
 * Three reports each ban OTHER, then SPAMMER: they chat on `bots`, their
 * reporters on `victims`, who keep the digests and take the reports.
 */
async function banBoth(
  victims: ServerProcess,
  bots = victims,
): Promise<void> {
  let n = 0;
  for (const address of [OTHER, SPAMMER]) {
    await reportThrice({
      botUrl: bots.wsUrl,
      victimUrl: victims.wsUrl,
      address,
      reporters: [0, 1, 2].map(() => `203.0.113.${++n}`) as [
        string,
        string,
        string,
      ],
    });
  }
}

/** Resolves once `server` counts `n` visitors waiting (`/healthz`). */
async function waiting(server: ServerProcess, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const health = await (await fetch(server.url + "/healthz")).json();
    if (health.waiting === n) return;
    if (Date.now() > deadline) throw new Error(`never ${n} waiting`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * On `server`, SPAMMER asks, then a clean visitor, then OTHER (each once
 * the one before is queued, so that unbanned, SPAMMER would meet the
 * clean one): the two banned meet, the clean one is left waiting.
 */
async function onlyBannedMeet(server: ServerProcess): Promise<void> {
  const banned = await from(server.wsUrl, SPAMMER);
  banned.send({ type: "request" });
  await waiting(server, 1);
  const clean = await from(server.wsUrl, "192.0.2.50");
  clean.send({ type: "request" });
  await waiting(server, 2);
  const other = await from(server.wsUrl, OTHER);
  other.send({ type: "request" });
  await metOnlyTheBanned(banned, clean, other);
  await clean.close();
}

Deno.test({
  name:
    "reports taken on one instance verify lines heard from another, and their ban holds there within 1 s",
  ignore: !HAS_REDIS,
  async fn() {
    const redis = await startRedis();
    const servers: ServerProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        servers.push(await start(["--redis-url", redis.url]));
      }
      const [a, b] = servers;
      // Each chat spans the two: A verifies the lines its visitors heard
      // from B (reportThrice expects them verified), and bans.
      await banBoth(a, b);
      // The ban of SPAMMER was made with the last `reported`; B looks at
      // the store's version every 250 ms.
      await new Promise((r) => setTimeout(r, 1000));
      await onlyBannedMeet(b);
    } finally {
      for (const server of servers) await server.stop();
      await redis.stop();
    }
  },
});

Deno.test("a ban kept in the embedded store holds after a restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await start(["--data-dir", dir]);
    try {
      await banBoth(first);
    } finally {
      await first.stop();
    }
    const second = await start(["--data-dir", dir]);
    try {
      await onlyBannedMeet(second);
    } finally {
      await second.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
