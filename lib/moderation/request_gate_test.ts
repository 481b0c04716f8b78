import assert from "node:assert/strict";
import { type Challenge, solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import { FakeClock } from "../../tests/support/clock.ts";
import { defaultConfig } from "../ops/config.ts";
import { identityOf } from "../recent_partners.ts";
import { CLOSE } from "../ws/protocol.ts";
import { Moderation } from "./moderation.ts";
import { type PowMode, ProofOfWork } from "./pow.ts";
import { banReason, type GateVerdict, RequestGate } from "./request_gate.ts";

const GROUP = "198.51.100.7";
const SUBJECTS = [identityOf(undefined, GROUP)];
const OTHER = [identityOf(undefined, "203.0.113.9")];

/** A gate over a real in-memory moderation, with a proof of work in `mode`. */
async function setup(mode?: PowMode) {
  const clock = new FakeClock();
  // altcha-lib checks expiry on the real clock too: start at real time.
  clock.time = Date.now();
  const moderation = await Moderation.open(
    defaultConfig({ dataDir: ":memory:" }),
    { clock },
  );
  const pow = mode === undefined ? undefined : new ProofOfWork({
    mode,
    maxNumber: 1000,
    handshakes: 20,
    shortChats: 8,
    useOnce: (key, until) => moderation.store.useOnce(key, until),
    clock,
  });
  return {
    clock,
    moderation,
    pow,
    gate: new RequestGate({ moderation, pow }),
    [Symbol.asyncDispose]: () => moderation.close(),
  };
}

function isPromise(value: unknown): boolean {
  return value instanceof Promise;
}

/** The payload the `altcha` widget makes for the challenge in `verdict`. */
async function solve(verdict: GateVerdict): Promise<string> {
  assert.equal(verdict.kind, "error");
  if (verdict.kind !== "error") throw new Error("no challenge");
  const c = verdict.challenge as unknown as Challenge;
  const solution = await solveChallenge({ challenge: c, deriveKey });
  return btoa(JSON.stringify({
    challenge: { parameters: c.parameters, signature: c.signature },
    solution,
  }));
}

Deno.test("RequestGate.check() passes a plain request synchronously", async () => {
  const bare = new RequestGate();
  assert.deepEqual(bare.check(GROUP, SUBJECTS, undefined), {
    kind: "pass",
    shadow: false,
  });
  await using w = await setup("off");
  const verdict = w.gate.check(GROUP, SUBJECTS, "ignored when off");
  assert.equal(isPromise(verdict), false);
  assert.deepEqual(verdict, { kind: "pass", shadow: false });
});

Deno.test("RequestGate.check(): a visible ban closes with 4003 and says until when", async () => {
  await using w = await setup("always");
  await w.moderation.ban({
    subject: SUBJECTS[0],
    label: GROUP,
    seconds: 3600,
    visible: true,
    reason: "spam links",
  }, "admin");
  const until = new Date(w.clock.now() + 3_600_000).toISOString();
  const verdict = w.gate.check(GROUP, SUBJECTS, undefined);
  assert.equal(isPromise(verdict), false, "no proof of work asked first");
  assert.deepEqual(verdict, {
    kind: "close",
    code: CLOSE.banned.code,
    reason: `banned until ${until.slice(0, 10)} ${
      until.slice(11, 16)
    } UTC: spam links`,
  });
  const other = await w.gate.check(GROUP, OTHER, undefined);
  assert.equal(other.kind, "error", "another visitor is asked, not closed");
  w.clock.advance(3_600_000);
  assert.equal((await w.gate.check(GROUP, SUBJECTS, undefined)).kind, "error");
});

Deno.test("RequestGate.check(): a shadow ban passes shadowed, and still works when asked", async () => {
  await using w = await setup("off");
  await w.moderation.ban({
    subject: SUBJECTS[0],
    label: GROUP,
    seconds: 60,
    visible: false,
    reason: "",
  }, "admin");
  assert.deepEqual(w.gate.check(GROUP, SUBJECTS, undefined), {
    kind: "pass",
    shadow: true,
  });
  assert.deepEqual(w.gate.check(GROUP, OTHER, undefined), {
    kind: "pass",
    shadow: false,
  });
  await using a = await setup("always");
  await a.moderation.ban({
    subject: SUBJECTS[0],
    label: GROUP,
    seconds: 60,
    visible: false,
    reason: "",
  }, "admin");
  const asked = await a.gate.check(GROUP, SUBJECTS, undefined);
  assert.equal(asked.kind === "error" && asked.code, "pow_required");
  const payload = await solve(asked);
  assert.deepEqual(await a.gate.check(GROUP, SUBJECTS, payload), {
    kind: "pass",
    shadow: true,
  });
});

Deno.test("RequestGate.check(): required, then refused with a reason and a fresh challenge, then passed", async () => {
  await using w = await setup("always");
  const first = await w.gate.check(GROUP, SUBJECTS, undefined);
  assert.equal(first.kind === "error" && first.code, "pow_required");
  const payload = await solve(first);
  const wrong = await w.gate.check(GROUP, SUBJECTS, payload.slice(0, -8));
  assert.equal(wrong.kind === "error" && wrong.code, "pow_invalid");
  assert.match(wrong.kind === "error" ? wrong.reason : "", /wrong/);
  assert.notDeepEqual(
    wrong.kind === "error" && wrong.challenge,
    first.kind === "error" && first.challenge,
    "a fresh challenge",
  );
  assert.deepEqual(await w.gate.check(GROUP, SUBJECTS, payload), {
    kind: "pass",
    shadow: false,
  });
  const again = await w.gate.check(GROUP, SUBJECTS, payload);
  assert.match(again.kind === "error" ? again.reason : "", /already used/);
  const late = await solve(again);
  w.clock.advance(300_000);
  const expired = await w.gate.check(GROUP, SUBJECTS, late);
  assert.match(expired.kind === "error" ? expired.reason : "", /expired/);
  assert.equal(expired.kind === "error" && expired.code, "pow_invalid");
});

Deno.test("RequestGate.check(), suspicious: counts and open reports ask; a solution clears the counts only", async () => {
  await using w = await setup("suspicious");
  assert.deepEqual(w.gate.check(GROUP, SUBJECTS, undefined), {
    kind: "pass",
    shadow: false,
  });
  for (let i = 0; i < 30; i++) w.pow!.handshake(GROUP);
  const asked = await w.gate.check(GROUP, SUBJECTS, undefined);
  assert.equal(asked.kind === "error" && asked.code, "pow_required");
  assert.equal(
    (await w.gate.check("192.0.2.1", OTHER, undefined)).kind,
    "pass",
  );
  await w.gate.check(GROUP, SUBJECTS, await solve(asked));
  assert.deepEqual(w.gate.check(GROUP, SUBJECTS, undefined), {
    kind: "pass",
    shadow: false,
  }, "asked once, not at every request");
  await w.moderation.report({
    reason: "spam",
    note: "",
    lines: [],
    reporter: identityOf(undefined, "192.0.2.50"),
    subjects: SUBJECTS,
  });
  const flagged = await w.gate.check(GROUP, SUBJECTS, undefined);
  assert.equal(flagged.kind === "error" && flagged.code, "pow_required");
});

Deno.test("banReason() says until when, adds the operator's reason only when it fits and prints", () => {
  const until = Date.UTC(2026, 11, 4, 10, 0, 30);
  const head = "banned until 2026-12-04 10:00 UTC";
  const ban = (reason: string, at = until) => ({
    until: at,
    visible: true,
    reason,
  });
  assert.equal(banReason(ban("")), head);
  assert.equal(banReason(ban("  spam  ")), head + ": spam");
  assert.equal(banReason(ban("x".repeat(200))), head);
  assert.equal(banReason(ban("bell\u0007")), head);
  assert.equal(banReason(ban("rtl\u202e")), head);
  const emoji = "🚫".repeat(21);
  assert.equal(banReason(ban(emoji)), head + ": " + emoji);
  assert.ok(new TextEncoder().encode(banReason(ban(emoji))).length <= 120);
  assert.equal(banReason(ban(emoji + "🚫")), head, "past 120 bytes");
  assert.equal(banReason(ban("", Infinity)), "banned");
  assert.equal(banReason(ban("", 8.64e15)), "banned");
  assert.equal(banReason(ban("", NaN)), "banned");
});
