import assert from "node:assert/strict";
import {
  type ChatEvent,
  type Effect,
  type Phase,
  PHASES,
  transition,
} from "./chat_machine.ts";

const EVENTS: Record<string, ChatEvent> = {
  drop: { type: "drop", code: 1006 },
  resumeNow: { type: "resumeNow" },
  resumed: { type: "resumed", seen: 2 },
  giveUp: { type: "giveUp" },
  resumeBusy: { type: "resumeBusy" },
  partnerAway: { type: "partnerAway" },
  partnerBack: { type: "partnerBack" },
};

/** The resume events' rows: phase → event → next phase (absent = ignored). */
const TABLE: Partial<Record<Phase, Record<string, Phase>>> = {
  chat: { drop: "resuming", partnerAway: "chat", partnerBack: "chat" },
  resuming: {
    drop: "resuming",
    resumeNow: "resuming",
    resumed: "chat",
    giveUp: "closed",
    resumeBusy: "resuming",
  },
};

function types(effects: Effect[] | undefined): string[] {
  return (effects ?? []).map((e) => e.type);
}

Deno.test("transition() follows the resume rows in every phase", () => {
  for (const phase of PHASES) {
    for (const [name, event] of Object.entries(EVENTS)) {
      assert.deepEqual(
        transition(phase, event)?.phase ?? null,
        TABLE[phase]?.[name] ?? null,
        `${phase} + ${name}`,
      );
    }
  }
});

Deno.test("transition() resumes a dropped chat", async (t) => {
  await t.step("a drop keeps the log and waits for the first attempt", () => {
    const r = transition("chat", { type: "drop", code: 1006 });
    assert.deepEqual(types(r?.effects), [
      "partnerTyping",
      "partnerStatus",
      "resumeWait",
    ]);
    assert.ok(!types(r?.effects).includes("lock"), "pending lines stay");
  });
  await t.step("the fresh socket sends resume, not request", () => {
    const r = transition("resuming", { type: "request" });
    assert.deepEqual(r, {
      phase: "resuming",
      effects: [{ type: "sendResume" }],
    });
  });
  await t.step("a failed attempt waits for the next", () => {
    for (
      const event of [
        { type: "lost", code: 1006 },
        { type: "down" },
        { type: "refused", reason: "server_full", retryAfter: 10 },
        { type: "close", code: 1012 },
        { type: "drop" },
      ] satisfies ChatEvent[]
    ) {
      assert.deepEqual(
        transition("resuming", event),
        { phase: "resuming", effects: [{ type: "resumeWait" }] },
        event.type,
      );
    }
  });
  await t.step("resumed settles our lines and goes back to the chat", () => {
    const r = transition("resuming", { type: "resumed", seen: 4 });
    assert.deepEqual(r, {
      phase: "chat",
      effects: [{ type: "resumeStop" }, { type: "resumed", seen: 4 }],
    });
  });
});

Deno.test("transition() ends a chat that cannot be resumed", async (t) => {
  function lineOf(r: ReturnType<typeof transition>): unknown {
    const effect = r?.effects.find((e) => e.type === "line");
    return effect?.type === "line" ? effect.line : null;
  }
  await t.step("resume_failed: closed, with the reason", () => {
    const r = transition("resuming", { type: "error", code: "resume_failed" });
    assert.equal(r?.phase, "closed");
    assert.deepEqual(lineOf(r), { kind: "error", code: "resume_failed" });
    assert.deepEqual(types(r?.effects), [
      "resumeStop",
      "closeSocket",
      "line",
      "partnerTyping",
      "lock",
    ]);
  });
  await t.step("giving up: closed, could not reconnect in time", () => {
    const r = transition("resuming", { type: "giveUp" });
    assert.deepEqual(lineOf(r), { kind: "system", key: "resumeGaveUp" });
  });
  await t.step("a close the server meant: its own line", () => {
    const r = transition("resuming", { type: "close", code: 4005 });
    assert.equal(r?.phase, "closed");
    assert.deepEqual(lineOf(r), { kind: "close", code: 4005 });
    assert.ok(!types(r?.effects).includes("closeSocket"), "already closed");
  });
  await t.step("End stops reconnecting and shows the chat closed", () => {
    const r = transition("resuming", { type: "end" });
    assert.equal(r?.phase, "closed");
    assert.deepEqual(lineOf(r), { kind: "system", key: "chatClosed" });
    assert.deepEqual(types(r?.effects).slice(0, 2), [
      "resumeStop",
      "closeSocket",
    ]);
  });
  await t.step("Next stops reconnecting and looks for someone new", () => {
    const r = transition("resuming", { type: "next" });
    assert.equal(r?.phase, "connecting");
    assert.deepEqual(types(r?.effects), [
      "resumeStop",
      "partnerTyping",
      "lock",
      "openSocket",
    ]);
  });
  await t.step("a partner who did not come back ends the chat", () => {
    for (const code of [4006, 4007]) {
      const r = transition("chat", { type: "close", code });
      assert.deepEqual(lineOf(r), { kind: "close", code });
    }
  });
});

Deno.test("transition() shows the partner's connection", () => {
  assert.deepEqual(transition("chat", { type: "partnerAway" }), {
    phase: "chat",
    effects: [
      { type: "partnerTyping", on: false },
      { type: "partnerStatus", status: "away" },
    ],
  });
  assert.deepEqual(transition("chat", { type: "partnerBack" }), {
    phase: "chat",
    effects: [{ type: "partnerStatus", status: "back" }],
  });
});

Deno.test("transition() confirms a numbered echo by its number", () => {
  assert.deepEqual(
    transition("chat", { type: "message", from: "me", text: "hi", seq: 3 }),
    { phase: "chat", effects: [{ type: "confirm", text: "hi", seq: 3 }] },
  );
});
