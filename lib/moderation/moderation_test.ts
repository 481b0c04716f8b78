import assert from "node:assert/strict";
import { defaultConfig } from "../ops/config.ts";
import { FakeClock } from "../../tests/support/clock.ts";
import { Moderation } from "./moderation.ts";
import type { Report } from "./store.ts";

const X = ["addr-x", "token-x"];
const WINDOW = 3600;
const BAN = 86_400;

/** A Moderation on an in-memory store, dated by a fake clock. */
async function moderation(
  threshold = 3,
): Promise<{ moderation: Moderation; clock: FakeClock } & AsyncDisposable> {
  const clock = new FakeClock();
  const config = defaultConfig({
    dataDir: ":memory:",
    reportBanThreshold: threshold,
    reportBanWindow: WINDOW,
    reportBanSeconds: BAN,
  });
  const moderation = await Moderation.open(config, { clock });
  return {
    moderation,
    clock,
    [Symbol.asyncDispose]: () => moderation.close(),
  };
}

function report(
  m: Moderation,
  reporter: string,
  subjects = X,
): Promise<Report> {
  return m.report({
    reason: "spam",
    note: "SECRET NOTE",
    lines: [{ from: "guest", message: "SECRET LINE", verified: true }],
    reporter,
    subjects,
  });
}

Deno.test("Moderation.report() shadowbans once three distinct addresses reported, not two", async () => {
  await using m = await moderation();
  const { moderation: mod, clock } = m;
  assert.equal((await report(mod, "r1")).status, "open");
  assert.equal((await report(mod, "r2")).status, "open");
  assert.equal(mod.banned(X), undefined, "two reports do not ban");
  assert.equal(mod.flagged(["token-x"]), true, "but the visitor is flagged");
  const third = await report(mod, "r3");
  assert.equal(third.status, "banned");
  assert.equal((await mod.store.report(third.id))?.status, "banned");
  for (const subject of X) {
    const ban = mod.banned([subject]);
    assert.ok(ban, subject);
    assert.equal(ban.visible, false);
    assert.equal(ban.by, "reports");
    assert.equal(ban.until, clock.now() + BAN * 1000);
  }
  assert.equal(mod.banned(["someone-else"]), undefined);
  assert.deepEqual(mod.counts(), { openReports: 2, activeBans: 2 });
  const [entry] = await mod.store.audit(10);
  assert.equal(entry.action, "auto_ban");
  assert.equal(entry.actor, "reports");
  assert.equal(entry.target, third.id);
  const audit = JSON.stringify(await mod.store.audit(100));
  assert.ok(!audit.includes("SECRET"), "no message text in the audit log");

  await report(mod, "r4");
  assert.equal(
    (await mod.store.bans(clock.now())).length,
    2,
    "a fourth report bans nobody twice",
  );

  clock.advance(BAN * 1000 - 1);
  assert.ok(mod.banned(X), "still banned a moment before the end");
  clock.advance(1);
  assert.equal(mod.banned(X), undefined, "the ban has ended");
});

Deno.test("Moderation.report() does not ban on one reporter's three reports", async () => {
  await using m = await moderation();
  for (let i = 0; i < 3; i++) await report(m.moderation, "same");
  assert.equal(m.moderation.banned(X), undefined);
  assert.equal(m.moderation.counts().openReports, 3);
});

Deno.test("Moderation.report() counts only reports within the window", async () => {
  await using m = await moderation();
  await report(m.moderation, "r1");
  m.clock.advance(WINDOW * 1000 + 1);
  await report(m.moderation, "r2");
  await report(m.moderation, "r3");
  assert.equal(m.moderation.banned(X), undefined, "r1 is out of the window");
  await report(m.moderation, "r4");
  assert.ok(m.moderation.banned(X), "r2, r3, r4 are in it");
});

Deno.test("Moderation.report() never bans with a threshold of 0", async () => {
  await using m = await moderation(0);
  for (const r of ["r1", "r2", "r3", "r4"]) await report(m.moderation, r);
  assert.equal(m.moderation.banned(X), undefined);
});

Deno.test("Moderation.ban() and unban() act at once and are audited", async () => {
  await using m = await moderation();
  const mod = m.moderation;
  const shadow = await mod.ban({
    subject: "token-x",
    label: "shadow",
    seconds: 60,
    visible: false,
    reason: "",
  }, "cli");
  assert.equal(mod.banned(X)?.id, shadow.id);
  const visible = await mod.ban({
    subject: "addr-x",
    label: "203.0.113.7",
    seconds: 3600,
    visible: true,
    reason: "spam bot",
  }, "admin");
  assert.equal(mod.banned(X)?.id, visible.id, "the visible ban first");
  assert.equal(visible.by, "admin");
  assert.equal(visible.until - visible.at, 3600_000);
  assert.equal(await mod.unban(visible.id, "admin"), true);
  assert.equal(await mod.unban(visible.id, "admin"), false, "only once");
  assert.equal(await mod.unban("nope", "admin"), false);
  assert.equal(mod.banned(X)?.id, shadow.id);
  const audit = await mod.store.audit(10);
  assert.deepEqual(
    audit.map((e) => [e.action, e.actor, e.target]),
    [
      ["unban", "admin", "203.0.113.7"],
      ["ban", "admin", "203.0.113.7"],
      ["ban", "cli", "shadow"],
    ],
  );
});

Deno.test("Moderation.ban() refuses impossible lengths and stores nothing", async () => {
  await using m = await moderation();
  const mod = m.moderation;
  for (const seconds of [0, -1, NaN, Infinity, 11 * 365 * 86_400]) {
    await assert.rejects(
      mod.ban(
        { subject: "s", label: "", seconds, visible: true, reason: "" },
        "api",
      ),
      RangeError,
      String(seconds),
    );
  }
  await assert.rejects(
    mod.ban(
      { subject: "", label: "", seconds: 1, visible: true, reason: "" },
      "api",
    ),
    RangeError,
  );
  await assert.rejects(mod.banReport("x", -1, true, "api"), RangeError);
  assert.deepEqual(await mod.store.bans(0), []);
  assert.deepEqual(await mod.store.audit(10), []);
});

Deno.test("Moderation.banReport() bans the report's subjects and closes it", async () => {
  await using m = await moderation();
  const mod = m.moderation;
  const made = await report(mod, "r1");
  assert.equal(mod.flagged(X), true);
  const bans = await mod.banReport(made.id, 600, true, "admin");
  assert.deepEqual(bans.map((b) => b.subject), X);
  assert.ok(bans.every((b) => b.visible && b.label === `report ${made.id}`));
  assert.equal(mod.banned(X)?.visible, true);
  assert.equal(mod.flagged(X), false, "no longer open");
  assert.equal((await mod.store.report(made.id))?.status, "banned");
  assert.deepEqual(await mod.banReport("0".repeat(22), 600, true, "admin"), []);
  const [entry] = await mod.store.audit(1);
  assert.deepEqual([entry.action, entry.target], ["ban", made.id]);
});

Deno.test("Moderation.dismiss() closes a report without a ban", async () => {
  await using m = await moderation();
  const mod = m.moderation;
  const made = await report(mod, "r1");
  assert.equal(await mod.dismiss(made.id, "admin"), true);
  assert.equal(mod.flagged(X), false);
  assert.equal(mod.banned(X), undefined);
  assert.equal((await mod.store.report(made.id))?.status, "dismissed");
  assert.equal(await mod.dismiss("nope", "admin"), false);
  const audit = await mod.store.audit(10);
  assert.deepEqual(audit.map((e) => e.action), ["dismiss"]);
  assert.deepEqual(mod.counts(), { openReports: 0, activeBans: 0 });
});
