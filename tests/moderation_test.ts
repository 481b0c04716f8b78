/**
 * Reports, bans and the early-link filter over real sockets, each visitor
 * from its own address (the server trusts `X-Forwarded-For`): three
 * reports shadowban a visitor, who then meets only the banned until the
 * ban ends; a report's relayed lines are verified and a made-up one is
 * not; a bot's link in its first line never reaches anyone.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Config } from "../lib/ops/config.ts";
import { subjectsOf } from "../lib/moderation/reports.ts";
import type { Session } from "../lib/session.ts";
import { startTestServer, type TestServer } from "./helpers.ts";
import { prng } from "./security_helpers.ts";
import {
  from,
  heard,
  metOnlyTheBanned,
  report,
  reportThrice,
} from "./support/visitors.ts";
import { until } from "./support/wait.ts";

/** A server that takes addresses from `X-Forwarded-For`. */
function server(overrides: Partial<Config> = {}): Promise<TestServer> {
  return startTestServer({ trustProxy: "x-forwarded-for", ...overrides });
}

/** How many of `server`'s visitors are queued, waiting for a partner. */
function queued(server: TestServer): number {
  const sessions: Session[] = [...server.handle.state.switchboard.sessions()];
  return sessions.filter((s) => s.state === "waiting").length;
}

Deno.test("three reports from three addresses shadowban a visitor: it meets only the banned, until the ban ends", async () => {
  // Long enough for the steps below on a busy machine, short to wait out.
  const banSeconds = 6;
  // A reported visitor would be asked for a proof of work (tests/pow_test.ts).
  await using s = await server({
    reportBanSeconds: banSeconds,
    powMode: "off",
  });
  const { moderation } = s.handle.state;
  const spammer = "198.51.100.7", other = "198.51.100.8";
  await reportThrice({
    botUrl: s.wsUrl,
    victimUrl: s.wsUrl,
    address: spammer,
    reporters: ["203.0.113.1", "203.0.113.2", "203.0.113.3"],
  });
  // An operator's shadowban of a second visitor, for it to meet.
  await moderation.ban({
    subject: subjectsOf(undefined, other)[0],
    label: other,
    seconds: banSeconds,
    visible: false,
    reason: "test",
  }, "test");
  const [report] = await moderation.store.reports();
  assert.equal(report.status, "banned");
  assert.deepEqual(report.subjects, subjectsOf(undefined, spammer));

  const bot = await from(s.wsUrl, spammer);
  bot.send({ type: "request" });
  await until(() => queued(s) === 1, 5000, "the banned one waits");
  const clean = await from(s.wsUrl, "192.0.2.50");
  clean.send({ type: "request" });
  await until(() => queued(s) === 2, 5000, "the clean one waits too");
  const banned = await from(s.wsUrl, other);
  banned.send({ type: "request" });
  await metOnlyTheBanned(bot, clean, banned);

  // The banned visitor's next Start, from a new socket, still skips it.
  const again = await from(s.wsUrl, spammer);
  again.send({ type: "request" });
  await until(() => queued(s) === 2, 5000, "it waits beside the clean one");
  const clean2 = await from(s.wsUrl, "192.0.2.51");
  clean2.send({ type: "request" });
  await Promise.all([clean.next("response"), clean2.next("response")]);
  assert.deepEqual(again.pending("response"), []);
  await Promise.all([clean, clean2, again].map((c) => c.close()));

  // Once the ban has ended, it meets anyone.
  const subjects = subjectsOf(undefined, spammer);
  await until(() => !moderation.banned(subjects), banSeconds * 2000, "expiry");
  const waiting = await from(s.wsUrl, "192.0.2.52");
  waiting.send({ type: "request" });
  await until(() => queued(s) === 1, 5000, "a clean one waits");
  const free = await from(s.wsUrl, spammer);
  free.send({ type: "request" });
  await Promise.all([waiting.next("response"), free.next("response")]);
  free.send({ type: "message", message: "free again" });
  assert.equal(await heard(waiting), "free again");
  await Promise.all([waiting.close(), free.close()]);
});

Deno.test("a report marks the lines relayed verified and a made-up line unverified", async () => {
  await using s = await server();
  const a = await from(s.wsUrl, "198.51.100.20");
  const b = await from(s.wsUrl, "198.51.100.21");
  a.send({ type: "request" });
  b.send({ type: "request" });
  await Promise.all([a.next("response"), b.next("response")]);
  a.send({ type: "message", message: "hello, where are you from?" });
  assert.equal(await heard(b), "hello, where are you from?");
  b.send({ type: "message", message: 'from "nowhere" ☃' });
  assert.equal(await heard(a), 'from "nowhere" ☃');
  report(b, [
    { from: "guest", message: "hello, where are you from?" },
    { from: "guest", message: "send me photos" }, // never said
    { from: "me", message: 'from "nowhere" ☃' },
    { from: "guest", message: "hello, where are you from" }, // altered
  ]);
  assert.deepEqual(await b.next("reported"), {
    type: "reported",
    verified: 2,
    lines: 4,
  });
  assert.equal((await b.closed).code, 4004);
  assert.equal((await a.closed).code, 4000);
  const [stored] = await s.handle.state.moderation.store.reports();
  assert.deepEqual(stored.lines.map((l) => [l.message, l.verified]), [
    ["hello, where are you from?", true],
    ["send me photos", false],
    ['from "nowhere" ☃', true],
    ["hello, where are you from", false],
  ]);
  assert.equal(stored.reporter, subjectsOf(undefined, "198.51.100.21")[0]);
});

Deno.test("a report from the page's next socket reports the chat that just ended; a visible ban closes with 4003", async () => {
  await using s = await server();
  const token = "visitor-token-01234567";
  const bot = await from(s.wsUrl, "198.51.100.30");
  const victim = await from(s.wsUrl, "198.51.100.31");
  bot.send({ type: "request" });
  victim.send({ type: "request", token });
  await Promise.all([bot.next("response"), victim.next("response")]);
  bot.send({ type: "message", message: "bye" });
  assert.equal(await heard(victim), "bye");
  await bot.close();
  assert.equal((await victim.closed).code, 4000);
  const next = await from(s.wsUrl, "198.51.100.31");
  report(next, [{ from: "guest", message: "bye" }], token);
  assert.deepEqual(await next.next("reported"), {
    type: "reported",
    verified: 1,
    lines: 1,
  });
  report(next, [], token);
  assert.equal((await next.next("error")).code, "nothing_to_report");
  await next.close();

  const { moderation } = s.handle.state;
  await moderation.ban({
    subject: subjectsOf(undefined, "198.51.100.30")[0],
    label: "198.51.100.30",
    seconds: 3600,
    visible: true,
    reason: "",
  }, "test");
  const banned = await from(s.wsUrl, "198.51.100.30");
  banned.send({ type: "request" });
  const closed = await banned.closed;
  assert.equal(closed.code, 4003);
  assert.match(closed.reason, /^banned until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
});

/** Lines a bot may open with, each held back by the early filter. */
const SPAM = [
  "hey check https://example.org",
  "www.example.com",
  "add me on t.me/someone",
  "visit site.io",
  "cheap at shop.ru",
  "join mygroup.gg now",
  "example dot com",
  "example(dot)net",
  "ｅｘａｍｐｌｅ．ｃｏｍ",
  "exa\u200Bmple.com",
  "@handle_here",
  "snap: @someone",
  "call +44 20 7946 0958",
  "text 555-123-4567",
];

Deno.test("a bot that opens chats with a link: no partner ever receives it", async () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);
  const random = prng(seed);
  await using s = await server({
    powMode: "off",
    maxPairingsPerMinute: 0,
    maxHandshakesPerMinute: 0,
  });
  for (let i = 0; i < 30; i++) {
    const spam = SPAM[Math.floor(random() * SPAM.length)];
    const bot = await from(s.wsUrl, "198.51.100.66");
    bot.send({ type: "request" });
    await until(() => queued(s) === 1, 5000, "the bot waits");
    const partner = await from(s.wsUrl, `203.0.113.${100 + i}`);
    partner.send({ type: "request" });
    await Promise.all([bot.next("response"), partner.next("response")]);
    bot.send({ type: "message", message: spam });
    const error = await bot.next("error");
    assert.equal(error.code, "filtered", `seed ${seed}: ${spam}`);
    assert.ok(!String(error.reason).includes(spam), "never quoted back");
    bot.send({ type: "message", message: "how are you?" });
    // Lines arrive in order: the first the partner hears is the clean one.
    assert.equal(await heard(partner), "how are you?", `seed ${seed}`);
    assert.deepEqual(
      bot.pending("message").filter((f) => f.from === "me"),
      [{ type: "message", message: "how are you?", from: "me", seq: 2 }],
      "the held line is not echoed",
    );
    await Promise.all([bot.close(), partner.close()]);
  }
});
