import assert from "node:assert/strict";
import { startChatStore } from "../../tests/support/chat_store_fixture.ts";
import { CLOSE } from "../ws/protocol.ts";

const TOKEN = "T".repeat(32);
const CHALLENGE = { parameters: { algorithm: "SHA-256" }, signature: "s" };

/** A started store whose browser token is {@linkcode TOKEN}. */
function setup() {
  return startChatStore({ token: () => TOKEN });
}

/** A store in a chat where each side said one line. */
function chatting() {
  const chat = setup();
  chat.store.dispatch({ type: "open" });
  chat.last().open();
  chat.last().receive({ type: "response" });
  chat.last().receive({ type: "message", from: "guest", message: "buy now" });
  chat.store.onDraft("no thanks");
  chat.store.submit();
  chat.last().receive({ type: "message", from: "me", message: "no thanks" });
  chat.last().sent.length = 0;
  return chat;
}

const LINES = [
  { from: "guest", message: "buy now" },
  { from: "me", message: "no thanks" },
];

Deno.test("createChatStore() solves the bot check, then asks again", async (t) => {
  const { store, last, sockets } = setup();
  store.dispatch({ type: "open" });
  last().open();
  assert.deepEqual(last().sent, [{ type: "request", resume: true }]);

  await t.step("pow_required: the check, on the same socket", () => {
    last().receive({
      type: "error",
      code: "pow_required",
      reason: "solve it",
      challenge: CHALLENGE,
    });
    assert.equal(store.phase.value, "waiting");
    assert.deepEqual(store.safety.check.value, {
      challenge: CHALLENGE,
      retry: false,
    });
  });

  await t.step("solved: the request again, with the payload", () => {
    store.dispatch({ type: "solved", payload: "cGF5bG9hZA==" });
    assert.equal(sockets.length, 1);
    assert.deepEqual(last().sent.at(-1), {
      type: "request",
      resume: true,
      pow: "cGF5bG9hZA==",
    });
    assert.equal(store.safety.check.value, null);
  });

  await t.step("pow_invalid: a new check, marked as a retry", () => {
    last().receive({ type: "error", code: "pow_invalid", challenge: {} });
    assert.deepEqual(store.safety.check.value, { challenge: {}, retry: true });
  });

  await t.step("Cancel drops the check", () => {
    store.dispatch({ type: "end" });
    last().closed(1000);
    assert.equal(store.phase.value, "idle");
    assert.equal(store.safety.check.value, null);
  });
});

Deno.test("createChatStore() reports during a chat on its socket", () => {
  const { store, last } = chatting();
  store.safety.showDialog(true);
  store.report("spam", " links ");
  assert.deepEqual(last().sent, [{
    type: "report",
    reason: "spam",
    note: "links",
    lines: LINES,
    token: TOKEN,
  }]);
  assert.equal(store.safety.report.value, "sending");
  last().receive({ type: "reported", verified: 2, lines: 2 });
  assert.equal(store.safety.report.value, "sent");
  assert.equal(store.safety.dialog.value, false, "the dialog stayed open");
  last().closed(CLOSE.reported.code);
  assert.equal(store.phase.value, "closed");
  assert.deepEqual(
    store.lines.value.map((l) => l.kind === "close" && l.code).at(-1),
    CLOSE.reported.code,
  );
  // Start again: a new chat can be reported again.
  store.dispatch({ type: "open" });
  assert.equal(store.safety.report.value, "idle");
});

Deno.test("createChatStore() says a refused report in the dialog", () => {
  const { store, last } = chatting();
  store.safety.showDialog(true);
  store.report("other", "");
  last().receive({ type: "error", code: "bad_report", reason: "x" });
  assert.equal(store.safety.report.value, "failed");
  assert.equal(store.safety.reportError.value, "bad_report");
  assert.equal(store.safety.dialog.value, true);
  assert.equal(store.phase.value, "chat");
  assert.equal(
    store.lines.value.some((l) => l.kind === "error"),
    false,
    "a report's refusal went into the conversation",
  );
});

Deno.test("createChatStore() reports after the chat on a socket of its own", async () => {
  const { store, sockets, last } = chatting();
  last().closed(CLOSE.partnerLeft.code);
  assert.equal(store.phase.value, "closed");
  store.report("harassment", "");
  assert.equal(sockets.length, 2);
  last().open();
  assert.deepEqual(last().sent, [{
    type: "report",
    reason: "harassment",
    note: "",
    lines: LINES,
    token: TOKEN,
  }]);
  last().receive({ type: "reported", verified: 2, lines: 2 });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(store.safety.report.value, "sent");
  assert.equal(last().closedWith, 1000);
});

Deno.test("createChatStore() sends a report again when the chat ended first", async () => {
  const { store, sockets, last } = chatting();
  store.report("spam", "");
  // The partner left before the server answered.
  last().closed(CLOSE.partnerLeft.code);
  assert.equal(store.safety.report.value, "sending");
  assert.equal(sockets.length, 2);
  last().open();
  assert.deepEqual((last().sent[0] as { type: string }).type, "report");
  last().receive({ type: "error", code: "nothing_to_report" });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(store.safety.report.value, "failed");
  assert.equal(store.safety.reportError.value, "nothing_to_report");
});

Deno.test("createChatStore() shows a ban and does not reconnect", () => {
  const { store, clock, sockets, last } = setup();
  store.dispatch({ type: "open" });
  last().open();
  last().closed(CLOSE.banned.code, "banned until 2026-12-04 10:00 UTC");
  assert.equal(store.phase.value, "idle");
  assert.deepEqual(store.notice.value, {
    kind: "banned",
    reason: "banned until 2026-12-04 10:00 UTC",
  });
  clock.advance(10 * 60_000);
  assert.equal(sockets.length, 1, "it reconnected by itself");
  store.dispatch({ type: "dismiss" });
  assert.equal(store.notice.value, null);
});

Deno.test("createChatStore() gives a filtered line back with the reason", () => {
  const { store, last } = chatting();
  store.onDraft("see example.com");
  store.submit();
  last().receive({ type: "error", code: "filtered", reason: "early link" });
  assert.equal(store.draft.value, "see example.com");
  assert.equal(store.refusal.value, "filtered");
  assert.equal(store.pending.value, 0);
});

Deno.test("createChatStore() fails a report a server without reports refuses", () => {
  const { store, last } = chatting();
  store.report("spam", "");
  last().receive({ type: "error", code: "unavailable", reason: "no reports" });
  assert.equal(store.safety.report.value, "failed");
  assert.equal(store.safety.reportError.value, "unavailable");
  assert.equal(store.phase.value, "chat");
});
