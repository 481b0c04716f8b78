import assert from "node:assert/strict";
import { CLOSE } from "../ws/protocol.ts";
import { closeEvent, REFUSAL_CODES, transition } from "./chat_machine.ts";

const FRAME = {
  type: "report" as const,
  reason: "harassment" as const,
  note: "rude",
  lines: [{ from: "guest" as const, message: "hey" }],
};

Deno.test("transition() asks for the bot check and sends its solution", () => {
  const challenge = { parameters: { algorithm: "SHA-256" } };
  assert.deepEqual(
    transition("waiting", { type: "pow", challenge, retry: true }),
    {
      phase: "waiting",
      effects: [{ type: "check", challenge, retry: true }],
    },
  );
  assert.deepEqual(transition("waiting", { type: "solved", payload: "p" }), {
    phase: "waiting",
    effects: [
      { type: "check", challenge: null },
      { type: "sendRequest", pow: "p" },
    ],
  });
  // A solution that arrives after the visitor cancelled goes nowhere.
  assert.equal(transition("idle", { type: "solved", payload: "p" }), null);
  assert.equal(
    transition("chat", { type: "pow", challenge, retry: false }),
    null,
  );
});

Deno.test("transition() sends a report on the chat's socket, or after it on a new one", () => {
  assert.deepEqual(transition("chat", { type: "report", frame: FRAME }), {
    phase: "chat",
    effects: [{ type: "report", frame: FRAME, via: "chat" }],
  });
  assert.deepEqual(transition("closed", { type: "report", frame: FRAME }), {
    phase: "closed",
    effects: [{ type: "report", frame: FRAME, via: "socket" }],
  });
  for (const phase of ["idle", "waiting", "reconnecting"] as const) {
    assert.equal(transition(phase, { type: "report", frame: FRAME }), null);
  }
  assert.deepEqual(
    transition("chat", { type: "reportFailed", code: "bad_report" })?.effects,
    [{ type: "reportFailed", code: "bad_report" }],
  );
});

Deno.test("transition() shows the ban, and never reconnects after it", async (t) => {
  await t.step("close 4003 is the event banned, with the reason", () => {
    assert.deepEqual(closeEvent(CLOSE.banned.code, "banned until 10:00 UTC"), {
      type: "banned",
      reason: "banned until 10:00 UTC",
    });
  });
  await t.step("while waiting: the ban screen, no retry", () => {
    const next = transition("waiting", { type: "banned", reason: "r" });
    assert.deepEqual(next, {
      phase: "idle",
      effects: [{ type: "notice", notice: { kind: "banned", reason: "r" } }],
    });
  });
  await t.step("in a chat: it ends, then the ban screen", () => {
    const next = transition("chat", { type: "banned", reason: "r" });
    assert.equal(next?.phase, "idle");
    assert.deepEqual(next?.effects.map((e) => e.type), [
      "partnerTyping",
      "lock",
      "notice",
    ]);
  });
  await t.step("Back to start clears it", () => {
    assert.deepEqual(transition("idle", { type: "dismiss" }), {
      phase: "idle",
      effects: [{ type: "notice", notice: null }],
    });
  });
});

Deno.test("transition() gives a filtered line back to the box", () => {
  assert.ok(REFUSAL_CODES.includes("filtered"));
  assert.deepEqual(transition("chat", { type: "error", code: "filtered" }), {
    phase: "chat",
    effects: [{ type: "refuse", code: "filtered" }],
  });
});
