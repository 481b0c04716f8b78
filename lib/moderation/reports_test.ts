import assert from "node:assert/strict";
import { FakeClock } from "../../tests/support/clock.ts";
import { until } from "../../tests/support/wait.ts";
import { defaultConfig } from "../ops/config.ts";
import { identityOf } from "../recent_partners.ts";
import { newSession } from "../session.ts";
import { Moderation } from "./moderation.ts";
import { addressSubject, ReportDesk, subjectsOf } from "./reports.ts";

Deno.test("subjectsOf() names the address and the token as identityOf() does", () => {
  assert.deepEqual(subjectsOf(undefined, "10.0.0.1"), [
    identityOf(undefined, "10.0.0.1"),
  ]);
  assert.deepEqual(subjectsOf("token-0123456789abcdef", "10.0.0.1"), [
    identityOf(undefined, "10.0.0.1"),
    identityOf("token-0123456789abcdef", "10.0.0.1"),
  ]);
  assert.deepEqual(subjectsOf(undefined, ""), [], "an unknown address");
  assert.equal(addressSubject("10.0.0.1"), addressSubject("10.0.0.1"));
});

Deno.test("ReportDesk keeps at most its bound of ended chats, the newest", async () => {
  const clock = new FakeClock();
  const moderation = await Moderation.open(
    defaultConfig({ dataDir: ":memory:" }),
    { clock },
  );
  const desk = new ReportDesk({
    moderation,
    evidence: null,
    clock,
    leave() {},
    maxLastChats: 2,
  });
  const sent: Record<string, unknown>[] = [];
  const peer = {
    send: (frame: string) => void sent.push(JSON.parse(frame)),
    close() {},
  };
  for (let i = 0; i < 5; i++) {
    const session = newSession(`s${i}`, peer, `10.0.1.${i}`);
    session.identity = addressSubject(session.group);
    session.partnerSubjects = [`partner ${i}`];
    desk.ended(session);
  }
  assert.equal(desk.kept, 2);
  const report = (group: string) =>
    desk.report(newSession("r", peer, group), {
      type: "report",
      reason: "spam",
      note: "",
      lines: [],
    });
  report("10.0.1.0");
  assert.deepEqual(sent.map((f) => f.code), ["nothing_to_report"]);
  report("10.0.1.4");
  await until(() => sent.some((f) => f.type === "reported"));
  const [stored] = await moderation.store.reports();
  assert.deepEqual(stored.subjects, ["partner 4"], "the newest is kept");
  await moderation.close();
});
