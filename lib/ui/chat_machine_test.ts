import assert from "node:assert/strict";
import {
  type ChatEvent,
  closeEvent,
  type Effect,
  type Phase,
  PHASES,
  REFUSAL_CODES,
  transition,
} from "./chat_machine.ts";

const EVENTS: Record<string, ChatEvent> = {
  open: { type: "open" },
  request: { type: "request" },
  response: { type: "response" },
  close: { type: "close", code: 1005 },
  lost: { type: "lost", code: 1006 },
  retry: { type: "retry" },
  cancel: { type: "cancel" },
  end: { type: "end" },
  next: { type: "next" },
  messageMe: { type: "message", from: "me", text: "hi" },
  messageGuest: { type: "message", from: "guest", text: "yo" },
  typing: { type: "typing", on: true },
  error: { type: "error", code: "rate_limited" },
  widen: { type: "widen" },
  block: { type: "block", token: "t".repeat(32) },
  blocked: { type: "blocked" },
  pow: { type: "pow", challenge: { parameters: {} }, retry: false },
  solved: { type: "solved", payload: "cGF5bG9hZA==" },
  report: {
    type: "report",
    frame: { type: "report", reason: "spam", note: "", lines: [] },
  },
  reported: { type: "reported" },
  reportFailed: { type: "reportFailed", code: "nothing_to_report" },
  banned: { type: "banned", reason: "banned until tomorrow" },
  dismiss: { type: "dismiss" },
};

/** The whole table: phase → event name → next phase (absent = ignored). */
const TABLE: Record<Phase, Partial<Record<keyof typeof EVENTS, Phase>>> = {
  idle: { open: "connecting", dismiss: "idle" },
  connecting: {
    request: "waiting",
    close: "idle",
    lost: "reconnecting",
    end: "connecting",
    error: "connecting",
    banned: "idle",
  },
  waiting: {
    response: "chat",
    close: "idle",
    lost: "reconnecting",
    end: "waiting",
    error: "waiting",
    widen: "waiting",
    pow: "waiting",
    solved: "waiting",
    banned: "idle",
  },
  chat: {
    close: "closed",
    lost: "closed",
    end: "chat",
    next: "connecting",
    messageMe: "chat",
    messageGuest: "chat",
    typing: "chat",
    error: "chat",
    block: "chat",
    blocked: "chat",
    report: "chat",
    reported: "chat",
    reportFailed: "chat",
    banned: "idle",
  },
  closed: {
    open: "connecting",
    next: "connecting",
    error: "closed",
    block: "closed",
    blocked: "closed",
    report: "closed",
    reported: "closed",
    reportFailed: "closed",
  },
  reconnecting: { open: "connecting", retry: "connecting", cancel: "idle" },
  resuming: {
    request: "resuming",
    close: "closed",
    lost: "resuming",
    end: "closed",
    next: "connecting",
    error: "closed",
    banned: "idle",
  },
};

function types(effects: Effect[]): string[] {
  return effects.map((e) => e.type);
}

Deno.test("transition() follows the table for every phase and event", () => {
  for (const phase of PHASES) {
    for (const [name, event] of Object.entries(EVENTS)) {
      const expected = TABLE[phase][name];
      const result = transition(phase, event);
      assert.deepEqual(
        result?.phase ?? null,
        expected ?? null,
        `${phase} + ${name}`,
      );
    }
  }
});

Deno.test("transition() ignores invalid events without throwing", () => {
  assert.deepEqual(transition("idle", { type: "close" }), null);
  assert.deepEqual(transition("closed", { type: "close", code: 4000 }), null);
  assert.deepEqual(transition("idle", { type: "response" }), null);
  assert.deepEqual(transition("chat", { type: "open" }), null);
  assert.deepEqual(transition("waiting", { type: "request" }), null);
  assert.deepEqual(transition("reconnecting", { type: "lost" }), null);
  assert.deepEqual(
    transition("closed", { type: "message", from: "guest", text: "late" }),
    null,
  );
});

Deno.test("transition() keeps the original widget's five transitions", async (t) => {
  await t.step("open from idle and closed opens a socket", () => {
    for (const from of ["idle", "closed"] as const) {
      const r = transition(from, { type: "open" });
      assert.deepEqual(r?.phase, "connecting");
      assert.deepEqual(types(r!.effects), ["notice", "openSocket"]);
    }
  });
  await t.step("request sends the request frame", () => {
    const r = transition("connecting", { type: "request" });
    assert.deepEqual(r, {
      phase: "waiting",
      effects: [{ type: "sendRequest" }],
    });
  });
  await t.step("response clears the box and says partner found", () => {
    const r = transition("waiting", { type: "response" })!;
    assert.deepEqual(r.phase, "chat");
    assert.deepEqual(types(r.effects), [
      "notice",
      "resetBackoff",
      "clearLog",
      "line",
      "partnerTyping",
      "unlock",
      "notify",
      "focusInput",
    ]);
    assert.deepEqual(r.effects[3], {
      type: "line",
      line: { kind: "system", key: "found" },
    });
  });
  await t.step("close before pairing returns to idle quietly", () => {
    assert.deepEqual(transition("connecting", { type: "close", code: 1000 }), {
      phase: "idle",
      effects: [],
    });
    assert.deepEqual(transition("waiting", { type: "close", code: 1005 }), {
      phase: "idle",
      effects: [],
    });
  });
  await t.step("close in chat says chat closed and locks", () => {
    const r = transition("chat", { type: "close", code: 1005 })!;
    assert.deepEqual(r.phase, "closed");
    assert.deepEqual(r.effects, [
      { type: "line", line: { kind: "system", key: "chatClosed" } },
      { type: "partnerTyping", on: false },
      { type: "lock" },
    ]);
  });
});

Deno.test("transition() explains unusual closes", async (t) => {
  await t.step("partner left (4000) in chat", () => {
    const r = transition("chat", { type: "close", code: 4000 })!;
    assert.deepEqual(r.phase, "closed");
    assert.deepEqual(r.effects[0], {
      type: "line",
      line: { kind: "close", code: 4000 },
    });
    assert.deepEqual(
      r.effects.filter((e) => e.type === "line").length,
      1,
      "one event, one line",
    );
  });
  await t.step(
    "backend unavailable (1011) while waiting leaves a notice",
    () => {
      assert.deepEqual(transition("waiting", { type: "close", code: 1011 }), {
        phase: "idle",
        effects: [{ type: "notice", notice: { kind: "close", code: 1011 } }],
      });
    },
  );
  await t.step("connection lost in chat ends the chat", () => {
    const r = transition("chat", { type: "lost" })!;
    assert.deepEqual(r.phase, "closed");
    assert.deepEqual(r.effects[0], {
      type: "line",
      line: { kind: "close", code: 1006 },
    });
  });
});

Deno.test("transition() reconnects after a lost connection", () => {
  assert.deepEqual(transition("waiting", { type: "lost", code: 1001 }), {
    phase: "reconnecting",
    effects: [{ type: "scheduleRetry" }],
  });
  assert.deepEqual(transition("reconnecting", { type: "retry" }), {
    phase: "connecting",
    effects: [{ type: "openSocket" }],
  });
  assert.deepEqual(
    types(transition("reconnecting", { type: "open" })!.effects),
    ["cancelRetry", "openSocket"],
  );
  assert.deepEqual(transition("reconnecting", { type: "cancel" }), {
    phase: "idle",
    effects: [{ type: "cancelRetry" }, { type: "resetBackoff" }],
  });
});

Deno.test("transition() handles end, next and frames in chat", async (t) => {
  await t.step("end closes the socket and waits for its close", () => {
    for (const phase of ["connecting", "waiting", "chat"] as const) {
      assert.deepEqual(transition(phase, { type: "end" }), {
        phase,
        effects: [{ type: "closeSocket" }],
      });
    }
  });
  await t.step("next replaces the socket", () => {
    const r = transition("chat", { type: "next" })!;
    assert.deepEqual(r.phase, "connecting");
    assert.deepEqual(types(r.effects), ["partnerTyping", "lock", "openSocket"]);
  });
  await t.step("own echo confirms our pending line", () => {
    assert.deepEqual(
      transition("chat", { type: "message", from: "me", text: "a\nb" }),
      { phase: "chat", effects: [{ type: "confirm", text: "a\nb" }] },
    );
  });
  await t.step("partner line notifies and hides the typing indicator", () => {
    assert.deepEqual(
      types(
        transition("chat", { type: "message", from: "guest", text: "x" })!
          .effects,
      ),
      ["partnerTyping", "line", "notify"],
    );
  });
  await t.step("typing toggles the indicator", () => {
    assert.deepEqual(transition("chat", { type: "typing", on: false }), {
      phase: "chat",
      effects: [{ type: "partnerTyping", on: false }],
    });
  });
  await t.step("a refusal in chat gives our line back", () => {
    for (const code of REFUSAL_CODES) {
      assert.deepEqual(transition("chat", { type: "error", code }), {
        phase: "chat",
        effects: [{ type: "refuse", code }],
      });
    }
  });
  await t.step("another error frame in chat is a line", () => {
    assert.deepEqual(transition("chat", { type: "error", code: "bad_json" }), {
      phase: "chat",
      effects: [{ type: "line", line: { kind: "error", code: "bad_json" } }],
    });
  });
  await t.step("a refused handshake or a server down reconnects", () => {
    assert.deepEqual(
      transition("connecting", {
        type: "refused",
        reason: "server_full",
        retryAfter: 4,
      }),
      {
        phase: "reconnecting",
        effects: [
          {
            type: "notice",
            notice: { kind: "refused", reason: "server_full", retryAfter: 4 },
          },
          { type: "scheduleRetry", delay: 4000 },
        ],
      },
    );
    assert.deepEqual(transition("waiting", { type: "down" }), {
      phase: "reconnecting",
      effects: [
        { type: "notice", notice: { kind: "down" } },
        { type: "scheduleRetry" },
      ],
    });
    assert.equal(transition("idle", { type: "down" }), null);
  });
  await t.step("an error frame while waiting is a notice", () => {
    assert.deepEqual(
      transition("waiting", { type: "error", code: "rate_limited" }),
      {
        phase: "waiting",
        effects: [{
          type: "notice",
          notice: { kind: "error", code: "rate_limited" },
        }],
      },
    );
  });
  await t.step("unavailable while waiting drops the socket and retries", () => {
    for (const phase of ["connecting", "waiting"] as const) {
      assert.deepEqual(
        transition(phase, { type: "error", code: "unavailable" }),
        {
          phase: "reconnecting",
          effects: [{ type: "closeSocket" }, { type: "scheduleRetry" }],
        },
      );
    }
  });
});

Deno.test("closeEvent() maps restart and abnormal closes to lost", () => {
  assert.deepEqual(closeEvent(1001), { type: "lost", code: 1001 });
  assert.deepEqual(closeEvent(1006), { type: "lost", code: 1006 });
  assert.deepEqual(closeEvent(4000), { type: "close", code: 4000 });
  assert.deepEqual(closeEvent(1011), { type: "close", code: 1011 });
});

Deno.test("transition() matches by interests, widens and blocks", async (t) => {
  const lines = (effects: Effect[]) =>
    effects.flatMap((e) => e.type === "line" ? [e.line] : []);
  await t.step("a response says what both like", () => {
    const r = transition("waiting", {
      type: "response",
      common: ["films"],
      asked: true,
    });
    assert.deepEqual(lines(r!.effects), [
      { kind: "system", key: "found" },
      { kind: "common", common: ["films"] },
    ]);
  });
  await t.step("nothing shared is said only to who asked", () => {
    const asked = transition("waiting", {
      type: "response",
      common: [],
      asked: true,
    });
    assert.deepEqual(lines(asked!.effects).at(-1), {
      kind: "common",
      common: [],
    });
    for (const event of [{ common: [], asked: false }, {}]) {
      const r = transition("waiting", { type: "response", ...event });
      assert.deepEqual(lines(r!.effects), [{ kind: "system", key: "found" }]);
    }
  });
  await t.step("widen while waiting sends widen", () => {
    assert.deepEqual(transition("waiting", { type: "widen" })?.effects, [
      { type: "send", frame: { type: "widen" } },
    ]);
    assert.equal(transition("chat", { type: "widen" }), null);
    // Paired as Talk to anyone went out: its refusal is no news.
    assert.equal(
      transition("chat", { type: "error", code: "not_waiting" }),
      null,
    );
  });
  await t.step("block in a chat asks; the answer ends the chat", () => {
    const token = "t".repeat(32);
    assert.deepEqual(transition("chat", { type: "block", token }), {
      phase: "chat",
      effects: [{ type: "send", frame: { type: "block", token } }],
    });
    assert.deepEqual(transition("chat", { type: "blocked" }), {
      phase: "chat",
      effects: [
        { type: "line", line: { kind: "system", key: "blocked" } },
        { type: "closeSocket" },
      ],
    });
    assert.deepEqual(
      types(
        transition("chat", { type: "error", code: "nothing_to_block" })!
          .effects,
      ),
      ["line", "closeSocket"],
    );
  });
  await t.step("block after a chat names the last partner", () => {
    assert.deepEqual(types(transition("closed", { type: "block" })!.effects), [
      "send",
    ]);
    assert.deepEqual(transition("closed", { type: "blocked" })?.effects, [
      { type: "line", line: { kind: "system", key: "blocked" } },
    ]);
    assert.deepEqual(
      transition("closed", { type: "error", code: "nothing_to_block" })
        ?.effects,
      [{ type: "line", line: { kind: "error", code: "nothing_to_block" } }],
    );
    assert.equal(transition("idle", { type: "block" }), null);
  });
});
