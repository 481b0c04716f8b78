import assert from "node:assert/strict";
import { FakeClock } from "../../tests/support/clock.ts";
import { until } from "../../tests/support/wait.ts";
import { defaultConfig } from "../ops/config.ts";
import { Switchboard, type SwitchboardOptions } from "../pairing.ts";
import type { Peer, Session } from "../session.ts";
import type { RequestFrame } from "../ws/protocol.ts";
import { EarlyFilter } from "./early_filter.ts";
import { Moderation } from "./moderation.ts";
import { ProofOfWork } from "./pow.ts";
import type { ReportedLine } from "./report_frame.ts";
import { LAST_CHAT_MS, subjectsOf } from "./reports.ts";

/** A visitor: what it was sent and how it was closed. */
class Visitor implements Peer {
  frames: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  session!: Session;
  constructor(private board: Switchboard) {}
  send(frame: string) {
    this.frames.push(JSON.parse(frame));
  }
  close(code: number, reason: string) {
    this.closed ??= { code, reason };
    this.board.leave(this.session);
  }
  of(type: string) {
    return this.frames.filter((f) => f.type === type);
  }
  errors() {
    return this.of("error").map((f) => f.code);
  }
  heard() {
    return this.of("message").filter((f) => f.from === "guest")
      .map((f) => f.message);
  }
  get paired() {
    return this.session.state === "chat";
  }
}

/**
 * A switchboard on a fake clock with a moderation on an in-memory store
 * (reports ban after `threshold` distinct addresses, for an hour).
 */
async function setup(
  options: SwitchboardOptions = {},
  threshold = 3,
) {
  const clock = new FakeClock();
  const config = defaultConfig({
    dataDir: ":memory:",
    reportBanThreshold: threshold,
    reportBanSeconds: 3600,
  });
  const moderation = await Moderation.open(config, { clock });
  const board = new Switchboard({ clock, moderation, ...options });
  let n = 0;
  /** A visitor from its own address (or `group`) that joins. */
  const join = (group = `10.0.0.${++n}`) => {
    const visitor = new Visitor(board);
    visitor.session = board.join(visitor, { group });
    return visitor;
  };
  const ask = (group?: string, request: Omit<RequestFrame, "type"> = {}) => {
    const visitor = join(group);
    board.handle(visitor.session, { type: "request", ...request });
    return visitor;
  };
  const say = (v: Visitor, message: string) =>
    board.handle(v.session, { type: "message", message });
  const report = (v: Visitor, lines: ReportedLine[] = [], token?: string) =>
    board.handle(v.session, {
      type: "report",
      reason: "spam",
      note: "",
      lines,
      ...token ? { token } : {},
    });
  return {
    board,
    clock,
    moderation,
    join,
    ask,
    say,
    report,
    async [Symbol.asyncDispose]() {
      board.closeAll(1001, "server_shutdown");
      board.dispose();
      await moderation.close();
    },
  };
}

Deno.test("a report during a chat verifies its lines, is stored, and ends the chat 4004/4000", async () => {
  await using s = await setup();
  const bot = s.ask("10.9.9.9", { token: "bot-token-0123456789" });
  const victim = s.ask();
  assert.ok(bot.paired && victim.paired);
  s.say(bot, "hi");
  s.say(victim, "hello");
  s.say(bot, "want pics?");
  s.report(victim, [
    { from: "guest", message: "hi" },
    { from: "me", message: "hello" },
    { from: "guest", message: "send me money" }, // made up
    { from: "guest", message: "want pics?" },
  ]);
  assert.deepEqual(bot.closed, { code: 4000, reason: "partner_left" });
  await until(() => victim.closed !== undefined, 2000, "reporter closed");
  assert.deepEqual(victim.closed, { code: 4004, reason: "reported" });
  assert.deepEqual(victim.of("reported"), [{
    type: "reported",
    verified: 3,
    lines: 4,
  }]);
  const [stored] = await s.moderation.store.reports();
  assert.deepEqual(
    stored.lines.map((l) => l.verified),
    [true, true, false, true],
  );
  assert.equal(stored.lines[2].message, "send me money");
  assert.deepEqual(
    stored.subjects,
    subjectsOf("bot-token-0123456789", "10.9.9.9"),
  );
  assert.equal(stored.reporter, subjectsOf(undefined, "10.0.0.1")[0]);
  // The chat was reported: it cannot be reported again.
  const again = s.join("10.0.0.1");
  s.report(again);
  assert.deepEqual(again.errors(), ["nothing_to_report"]);
});

Deno.test("a report after a chat, from the next socket, reports that chat once, for 10 minutes", async () => {
  await using s = await setup();
  const token = "victim-token-0123456";
  const bot = s.ask();
  const victim = s.ask("10.5.5.5", { token });
  s.say(bot, "buy now");
  bot.close(1000, "");
  assert.deepEqual(victim.closed?.code, 4000);
  // By token, from another address (a phone changing networks).
  const later = s.join("10.6.6.6");
  s.report(later, [{ from: "guest", message: "buy now" }], token);
  await until(() => later.of("reported").length > 0, 2000, "reported");
  assert.deepEqual(later.of("reported")[0], {
    type: "reported",
    verified: 1,
    lines: 1,
  });
  assert.equal(later.closed, undefined, "a socket after the chat stays open");
  const [stored] = await s.moderation.store.reports();
  assert.deepEqual(stored.subjects, subjectsOf(undefined, "10.0.0.1"));
  s.report(later, [], token);
  assert.deepEqual(later.errors(), ["nothing_to_report"], "once per chat");

  // By address, without a token; and not after ten minutes.
  const other = s.ask("10.7.7.7");
  const partner = s.ask();
  partner.close(1000, "");
  assert.equal(other.closed?.code, 4000);
  s.clock.advance(LAST_CHAT_MS);
  const late = s.join("10.7.7.7");
  s.report(late);
  assert.deepEqual(late.errors(), ["nothing_to_report"]);
  const nobody = s.join("10.8.8.8");
  s.report(nobody, [], token);
  assert.deepEqual(nobody.errors(), ["nothing_to_report"]);
  assert.equal((await s.moderation.store.reports()).length, 1);
});

Deno.test("three reports from three addresses shadowban a visitor: it meets only the banned until the ban ends", async () => {
  await using s = await setup();
  let victims = 0;
  /** Three visitors from three addresses meet one from `group` and report it. */
  const banByReports = async (group: string) => {
    for (let i = 0; i < 3; i++) {
      const bot = s.ask(group);
      const victim = s.ask(`10.1.0.${victims++}`);
      assert.equal(bot.session.partner, victim.session.id);
      s.report(victim);
      await until(() => victim.closed !== undefined, 2000, "reporter closed");
    }
    assert.ok(s.moderation.banned(subjectsOf(undefined, group)));
  };
  const spammer = "10.66.0.1", other = "10.67.0.1";
  await banByReports(spammer);
  await banByReports(other);
  const bot = s.ask(spammer);
  const clean = s.ask();
  assert.ok(!bot.paired && !clean.paired, "a clean visitor never meets it");
  assert.deepEqual(bot.errors(), [], "it only waits");
  const banned = s.ask(other);
  assert.equal(banned.session.partner, bot.session.id, "two banned meet");
  assert.deepEqual(banned.of("response"), [{ type: "response" }]);
  const clean2 = s.ask();
  assert.equal(clean2.session.partner, clean.session.id);
  // After the ban, it meets anyone.
  s.clock.advance(3600 * 1000);
  const free = s.ask(spammer);
  const anyone = s.ask();
  assert.equal(anyone.session.partner, free.session.id);
});

Deno.test("a visible ban closes the request with 4003 and says until when", async () => {
  await using s = await setup();
  const subject = subjectsOf(undefined, "10.4.4.4")[0];
  const until = s.clock.now() + 3600_000;
  await s.moderation.ban({
    subject,
    label: "10.4.4.4",
    seconds: 3600,
    visible: true,
    reason: "spam",
  }, "test");
  const banned = s.ask("10.4.4.4");
  assert.equal(banned.closed?.code, 4003);
  const when = new Date(until).toISOString().slice(0, 16).replace("T", " ");
  assert.equal(banned.closed?.reason, `banned until ${when} UTC: spam`);
  assert.equal(s.board.connected, 0);
});

Deno.test("the early filter holds a link in a chat's first lines back, and tells the sender", async () => {
  await using s = await setup({
    earlyFilter: new EarlyFilter({ lines: 2, seconds: 30, words: ["casino"] }),
  });
  const bot = s.ask();
  const human = s.ask();
  s.say(bot, "visit site.io");
  s.say(bot, "best casino");
  assert.deepEqual(human.heard(), []);
  assert.deepEqual(bot.errors(), ["filtered", "filtered"]);
  assert.deepEqual(bot.of("message"), [], "not echoed either");
  assert.doesNotMatch(String(bot.of("error")[0].reason), /site\.io/);
  s.say(bot, "site.io again"); // third line, but within 30 s
  s.say(human, "my number is 555 123 4567"); // the human's first line
  assert.deepEqual(human.heard(), []);
  assert.deepEqual(bot.heard(), []);
  s.clock.advance(30_000);
  s.say(bot, "now site.io");
  s.say(human, "hello");
  assert.deepEqual(human.heard(), ["now site.io"]);
  assert.deepEqual(bot.heard(), ["hello"]);
  assert.equal(s.board.stats.messagesRelayed, 2);
});

Deno.test("with evidence off, a report is stored with every line unverified", async () => {
  await using s = await setup({ evidence: false });
  const a = s.ask(), b = s.ask();
  s.say(a, "hi");
  s.report(b, [{ from: "guest", message: "hi" }]);
  await until(() => b.closed !== undefined);
  assert.deepEqual(b.of("reported")[0], {
    type: "reported",
    verified: 0,
    lines: 1,
  });
});

Deno.test("a switchboard without moderation answers a report with unavailable", () => {
  const board = new Switchboard();
  const a = new Visitor(board);
  a.session = board.join(a);
  board.handle(a.session, {
    type: "report",
    reason: "other",
    note: "",
    lines: [],
  });
  assert.deepEqual(a.errors(), ["unavailable"]);
  board.dispose();
});

Deno.test("the proof of work: a request without a solution gets a challenge and stays fresh; short chats make it required", async (t) => {
  await t.step("always: pow_required with a challenge", async () => {
    const clock = new FakeClock();
    const pow = new ProofOfWork({
      mode: "always",
      maxNumber: 10,
      handshakes: 0,
      shortChats: 0,
      useOnce: () => Promise.resolve(true),
      clock,
    });
    await using s = await setup({ pow });
    const v = s.ask();
    assert.equal(v.session.state, "checking");
    s.board.handle(v.session, { type: "request" });
    assert.deepEqual(v.errors(), ["already_requested"]);
    await until(() => v.errors().length === 2, 2000, "challenge");
    const error = v.of("error")[1];
    assert.equal(error.code, "pow_required");
    assert.ok(error.challenge && typeof error.challenge === "object");
    assert.equal(v.session.state, "fresh", "it may send request again");
  });
  await t.step("suspicious: after short chats from one address", async () => {
    const pow = new ProofOfWork({
      mode: "suspicious",
      maxNumber: 10,
      handshakes: 0,
      shortChats: 2,
      useOnce: () => Promise.resolve(true),
    });
    await using s = await setup({ pow });
    for (let i = 0; i < 3; i++) {
      const bot = s.ask("10.3.3.3");
      const other = s.ask();
      assert.ok(bot.paired && other.paired, `chat ${i}`);
      bot.close(1000, "");
    }
    const bot = s.ask("10.3.3.3");
    await until(() => bot.errors().length > 0, 2000, "challenge");
    assert.deepEqual(bot.errors(), ["pow_required"]);
    const clean = s.ask();
    assert.equal(clean.session.state, "waiting", "other addresses pass");
  });
});
