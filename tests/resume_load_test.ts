/**
 * Resume under load (issue 16): 1,000 resumable pairs chat through a
 * proxy that cuts random connections (seeded), each client reconnecting
 * and resuming as the browser client does; in the end every line each side
 * said reached the other exactly once and in order.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DropProxy } from "./drop_proxy.ts";
import { crowdProblems, ResumableClient } from "./resume_helpers.ts";
import { prng } from "./security_helpers.ts";
import { NO_ADDRESS_LIMITS, spawnServer } from "./server_process.ts";
import { settle } from "./support/wait.ts";

const PAIRS = 1000;
/** Each side says a line every 200–500 ms for this long. */
const CHAT_MS = 12_000;
/** Connections cut, spread over the first `CUT_MS` of the chat. */
const CUTS = 300;
const CUT_MS = 10_000;
const SEED = 16;

/** Opens `clients` `batch` at a time; each batch pairs among itself. */
async function startAll(clients: ResumableClient[], batch = 100) {
  for (let i = 0; i < clients.length; i += batch) {
    await Promise.all(clients.slice(i, i + batch).map((c) => c.start(30_000)));
  }
}

/** Resolves at `time` (ms since the epoch), at once if it has passed. */
function sleepUntil(time: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));
}

Deno.test({
  name:
    "resume under load: 1,000 pairs, 300 random cuts, every line delivered exactly once and in order",
}, async () => {
  const server = await spawnServer({
    args: [
      ...NO_ADDRESS_LIMITS,
      "--rate-messages",
      "1000",
      "--rate-burst",
      "1000",
      "--resume-grace",
      "30",
    ],
    env: { LOG_LEVEL: "warn" },
    fileLimit: 20_000,
  });
  const proxy = await DropProxy.start(server.port);
  const random = prng(SEED);
  const clients = Array.from(
    { length: 2 * PAIRS },
    (_, i) =>
      new ResumableClient({
        url: proxy.wsUrl(`c${i}`),
        backoff: [100, 200, 400, 800, 1600],
        random,
      }),
  );
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    const started = performance.now();
    await startAll(clients);
    const paired = performance.now();
    for (const c of clients) assert.equal(c.state, "chat", c.describe());

    // Each client's next line is due at `due[i]`; one ticker says them.
    const chatStart = Date.now();
    const due = clients.map(() => chatStart + 200 + random() * 300);
    ticker = setInterval(() => {
      const now = Date.now();
      if (now - chatStart > CHAT_MS) return clearInterval(ticker);
      for (const [i, c] of clients.entries()) {
        if (due[i] > now || c.state === "ended") continue;
        c.say(`c${i}:${c.said.length + 1}`);
        due[i] = now + 200 + random() * 300;
      }
    }, 25);

    let cuts = 0;
    for (let n = 1; n <= CUTS; n++) {
      await sleepUntil(chatStart + (n * CUT_MS) / CUTS);
      const victim = Math.floor(random() * clients.length);
      if (proxy.cut(`c${victim}`) > 0) cuts++;
    }
    await sleepUntil(chatStart + CHAT_MS);
    clearInterval(ticker);
    const stopped = performance.now();

    // Everyone back in a chat, nothing unconfirmed, every line arrived.
    const said = () => clients.reduce((n, c) => n + c.said.length, 0);
    const heard = () => clients.reduce((n, c) => n + c.heard.length, 0);
    const quiet = await settle(
      () =>
        clients.every((c) =>
          c.state === "ended" || (c.state === "chat" && c.pending.size === 0)
        ) && heard() >= said(),
      20_000,
    );
    const drained = performance.now();

    const problems = crowdProblems(clients);
    const sum = (f: (c: ResumableClient) => number) =>
      clients.reduce((n, c) => n + f(c), 0);
    const ended = clients.filter((c) => c.state === "ended");
    const byGrace = ended.filter((c) => c.ended?.code === 4006).length;
    console.log(
      `${PAIRS} pairs in ${((paired - started) / 1000).toFixed(1)} s; ` +
        `${said()} lines, ${cuts} cuts, ${sum((c) => c.resumes)} resumes, ` +
        `${sum((c) => c.resent)} lines resent, ` +
        `${sum((c) => c.failures.length)} resume failures, ` +
        `${ended.length} clients ended (${byGrace} by grace); ` +
        `settled ${((drained - stopped) / 1000).toFixed(1)} s after the chat`,
    );
    assert.deepEqual(problems.slice(0, 5), [], `${problems.length} chats`);
    assert.ok(quiet, "every client settled with all lines confirmed");
    assert.deepEqual(
      ended.map((c) => c.describe()).slice(0, 5),
      [],
      "no chat ended",
    );
    assert.ok(cuts >= CUTS * 0.9, `${cuts} cuts landed`);
    // A cut that lands on a socket still resuming costs no extra resume.
    assert.ok(sum((c) => c.resumes) >= cuts / 2, "the cuts were resumed");
    assert.equal(sum((c) => c.duplicates), 0, "no duplicate partner line");
  } finally {
    clearInterval(ticker);
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await proxy.close();
    assert.equal((await server.stop()).code, 0);
  }
});
