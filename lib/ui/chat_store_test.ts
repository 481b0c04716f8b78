import assert from "node:assert/strict";
import { startChatStore } from "../../tests/support/chat_store_fixture.ts";
import { CLOSE, WS_CLOSE } from "../ws/protocol.ts";
import { backoffDelay } from "./reconnect.ts";
import { TYPING_EVERY_MS, TYPING_IDLE_MS, TYPING_REFILL_MS } from "./typing.ts";

/** A store in a chat with a partner, on its first socket. */
function chatting() {
  const chat = startChatStore();
  chat.store.dispatch({ type: "open" });
  chat.last().open();
  chat.last().receive({ type: "response" });
  assert.equal(chat.store.phase.value, "chat");
  chat.last().sent.length = 0;
  return chat;
}

Deno.test("createChatStore() opens a socket on Start and sends a request", () => {
  const { store, sockets, stop } = startChatStore();
  assert.equal(sockets.length, 0, "connected before Start");
  store.dispatch({ type: "open" });
  assert.equal(store.phase.value, "connecting");
  assert.equal(sockets.length, 1);
  sockets[0].open();
  assert.equal(store.phase.value, "waiting");
  assert.deepEqual(sockets[0].sent, [{ type: "request", resume: true }]);
  stop();
  assert.equal(sockets[0].closedWith, WS_CLOSE.normal, "cleanup kept it open");
});

Deno.test("createChatStore() throttles typing frames", async (t) => {
  await t.step("one typing frame per interval while typing", () => {
    const { store, clock, last } = chatting();
    store.onDraft("h");
    clock.advance(500);
    store.onDraft("he");
    clock.advance(TYPING_EVERY_MS - 501);
    store.onDraft("hel");
    assert.deepEqual(last().sent, [{ type: "typing", on: true }]);
    clock.advance(1);
    store.onDraft("hell");
    assert.deepEqual(last().sent, [
      { type: "typing", on: true },
      { type: "typing", on: true },
    ]);
  });

  await t.step("an empty draft sends on:false, once", () => {
    const { store, last } = chatting();
    store.onDraft("hi");
    store.onDraft("  ");
    store.onDraft("");
    assert.deepEqual(last().sent, [
      { type: "typing", on: true },
      { type: "typing", on: false },
    ]);
  });

  await t.step("type-clear-type spends a token per change, then waits", () => {
    const { store, clock, last } = chatting();
    for (const text of ["a", "", "b", "", "c"]) store.onDraft(text);
    assert.deepEqual(last().sent, [
      { type: "typing", on: true },
      { type: "typing", on: false },
      { type: "typing", on: true },
    ]);
    clock.advance(TYPING_REFILL_MS);
    assert.equal(last().sent.length, 3, "sent a state nobody changed");
    store.onDraft("");
    assert.deepEqual(last().sent.at(-1), { type: "typing", on: false });
  });

  await t.step("Send sends on:false before the message", () => {
    const { store, last } = chatting();
    store.onDraft("hello ");
    store.submit();
    assert.deepEqual(last().sent, [
      { type: "typing", on: true },
      { type: "typing", on: false },
      { type: "message", message: "hello", seq: 1 },
    ]);
  });

  await t.step("silence sends on:false after the idle delay", () => {
    const { store, clock, last } = chatting();
    store.onDraft("hm");
    clock.advance(TYPING_IDLE_MS - 1);
    assert.equal(last().sent.length, 1);
    clock.advance(1);
    assert.deepEqual(last().sent.at(-1), { type: "typing", on: false });
  });
});

Deno.test("createChatStore() reconnects with backoff", async (t) => {
  const { store, clock, sockets, last, stop } = startChatStore();
  store.dispatch({ type: "open" });
  last().open();

  /** Checks that nothing reconnects before `delay` and something does at it. */
  function reconnectsAfter(delay: number): void {
    assert.equal(store.phase.value, "reconnecting");
    assert.equal(store.retryIn.value, Math.ceil(delay / 1000));
    const before = sockets.length;
    clock.advance(delay - 1);
    assert.equal(sockets.length, before, `reconnected before ${delay} ms`);
    clock.advance(1);
    assert.equal(sockets.length, before + 1, `no reconnect at ${delay} ms`);
    assert.equal(store.phase.value, "connecting");
    assert.equal(store.retryIn.value, 0);
  }

  await t.step("after 1001 (server restart), in 500 ms", () => {
    last().closed(CLOSE.goingAway.code);
    assert.equal(
      store.waitLabel.value,
      "Connection lost, reconnecting in 1 s…",
    );
    reconnectsAfter(backoffDelay(0, { jitter: 0 }));
  });

  await t.step("after 1006 (dropped), in twice that", () => {
    last().closed(WS_CLOSE.abnormal);
    reconnectsAfter(backoffDelay(1, { jitter: 0 }));
  });

  await t.step("after an unavailable error, closing the socket", () => {
    const socket = last();
    socket.open();
    assert.equal(store.phase.value, "waiting");
    socket.receive({ type: "error", code: "unavailable" });
    assert.equal(socket.closedWith, WS_CLOSE.normal);
    socket.closed(WS_CLOSE.normal);
    reconnectsAfter(backoffDelay(2, { jitter: 0 }));
  });

  await t.step("a socket open for over 10 s resets the backoff", () => {
    last().open();
    clock.advance(10_001);
    last().closed(CLOSE.goingAway.code);
    reconnectsAfter(backoffDelay(0, { jitter: 0 }));
  });

  await t.step("Cancel stops reconnecting", () => {
    last().closed(WS_CLOSE.abnormal);
    store.dispatch({ type: "cancel" });
    assert.equal(store.phase.value, "idle");
    const before = sockets.length;
    clock.advance(60_000);
    assert.equal(sockets.length, before);
  });

  await t.step("a closing code from the server is no reason to retry", () => {
    store.dispatch({ type: "open" });
    last().closed(CLOSE.backend.code);
    assert.equal(store.phase.value, "idle");
    assert.deepEqual(store.notice.value, {
      kind: "close",
      code: CLOSE.backend.code,
    });
    stop();
    assert.equal(clock.pending, 0, "timers left after stop()");
  });
});

Deno.test("createChatStore() shows our lines pending until their echo", async (t) => {
  const { store, last } = chatting();
  const mine = () =>
    store.lines.value.filter((l) => l.kind === "me").map((l) =>
      `${l.kind === "me" && l.text}:${l.state ?? "ok"}`
    );

  await t.step("a line with nothing visible is not sent", () => {
    const sent = last().sent.length;
    store.onDraft("\u200b\u2800 \u3164");
    store.submit();
    assert.equal(last().sent.length, sent);
    assert.equal(store.pending.value, 0);
  });

  await t.step(
    "Send sends, clears the draft and shows the line pending",
    () => {
      store.onDraft("line one\nline two");
      store.submit();
      assert.deepEqual(last().sent.at(-1), {
        type: "message",
        message: "line one\nline two",
        seq: 1,
      });
      assert.equal(store.draft.value, "");
      assert.equal(store.pending.value, 1);
      assert.deepEqual(mine(), ["line one\nline two:pending"]);
    },
  );

  await t.step("a second line goes out before the first echo", () => {
    store.onDraft("again");
    store.submit();
    assert.deepEqual(last().sent.at(-1), {
      type: "message",
      message: "again",
      seq: 2,
    });
    assert.equal(store.pending.value, 2);
  });

  await t.step("echoes confirm in order", () => {
    last().receive({
      type: "message",
      message: "line one\nline two",
      from: "me",
    });
    assert.deepEqual(mine(), ["line one\nline two:ok", "again:pending"]);
    last().receive({ type: "message", message: "again", from: "me" });
    assert.deepEqual(mine(), ["line one\nline two:ok", "again:ok"]);
    assert.equal(store.pending.value, 0);
  });

  await t.step("a refused line goes back into the box with the reason", () => {
    store.onDraft("too fast");
    store.submit();
    store.onDraft("typed since");
    last().receive({ type: "error", code: "rate_limited" });
    assert.equal(store.draft.value, "too fast\ntyped since");
    assert.equal(store.refusal.value, "rate_limited");
    assert.deepEqual(mine(), ["line one\nline two:ok", "again:ok"]);
    assert.equal(
      store.lines.value.some((l) => l.kind === "error"),
      false,
      "a refusal is also a log line",
    );
  });

  await t.step("a line over the limit is not sent at all", () => {
    const sent = last().sent.length;
    store.onDraft("x".repeat(2001));
    store.submit();
    assert.equal(store.refusal.value, "message_too_long");
    assert.equal(store.draft.value.length, 2001);
    assert.equal(
      last().sent.filter((f) => JSON.stringify(f).includes("xxx")).length,
      0,
    );
    assert.ok(last().sent.length - sent <= 1, "only a typing frame went out");
  });

  await t.step("a partner's line shows as theirs", () => {
    last().receive({ type: "typing", on: true });
    assert.equal(store.partnerTyping.value, true);
    last().receive({ type: "message", message: "hi", from: "guest" });
    assert.equal(store.partnerTyping.value, false);
    assert.deepEqual(
      store.lines.value.map((l) => l.kind),
      ["system", "me", "me", "guest"],
    );
  });

  await t.step("lines pending when the chat ends stay undelivered", () => {
    store.onDraft("last words");
    store.submit();
    last().closed(CLOSE.partnerLeft.code);
    assert.equal(store.lines.value.at(-2)?.state, "undelivered");
    assert.deepEqual(
      store.lines.value.filter((l) => l.kind !== "me" && l.kind !== "guest")
        .map((l) => l.kind),
      ["system", "close"],
      "partner left is more than one line",
    );
  });
});

Deno.test("createChatStore() tells the partner at once that we type again", () => {
  const { store, clock, last } = chatting();
  store.onDraft("first");
  store.submit();
  clock.advance(50);
  store.onDraft("s");
  assert.deepEqual(last().sent, [
    { type: "typing", on: true },
    { type: "typing", on: false },
    { type: "message", message: "first", seq: 1 },
    { type: "typing", on: true },
  ]);
});

Deno.test("createChatStore() Esc cancels waiting", () => {
  const { store, last } = startChatStore();
  store.dispatch({ type: "open" });
  last().open();
  assert.equal(store.phase.value, "waiting");
  store.onEscape();
  assert.equal(last().closedWith, WS_CLOSE.normal);
  last().closed(WS_CLOSE.normal);
  assert.equal(store.phase.value, "idle");
});

Deno.test("createChatStore() ends a chat on Esc twice within a second", () => {
  const { store, clock, last } = chatting();
  store.onEscape();
  clock.advance(1000);
  store.onEscape();
  assert.equal(last().closedWith, undefined, "two slow presses ended it");
  clock.advance(999);
  store.onEscape();
  assert.equal(last().closedWith, WS_CLOSE.normal);
  last().closed(WS_CLOSE.normal);
  assert.equal(store.phase.value, "closed");
});

Deno.test("createChatStore() Next drops the socket and opens another", () => {
  let notified = 0;
  const { store, sockets } = startChatStore({ notify: () => notified++ });
  store.dispatch({ type: "open" });
  sockets[0].open();
  sockets[0].receive({ type: "response" });
  assert.equal(notified, 1);
  store.dispatch({ type: "next" });
  assert.equal(sockets[0].closedWith, WS_CLOSE.normal);
  assert.equal(sockets[0].onclose, null, "old socket still dispatches");
  assert.equal(sockets.length, 2);
  assert.equal(store.phase.value, "connecting");
});

Deno.test("createChatStore() keeps a presence socket on the idle screen", async (t) => {
  const { store, clock, sockets, last, stop } = startChatStore({
    presence: true,
  });

  await t.step("opens at load, says presence, shows the live count", () => {
    assert.equal(sockets.length, 1);
    last().open();
    assert.deepEqual(last().sent, [{ type: "presence" }]);
    last().receive({ type: "online", count: 3 });
    assert.equal(store.onlineText.value, "3 online");
    assert.equal(store.onlineLive.value, true);
  });

  await t.step("Start sends request on the same socket", () => {
    store.dispatch({ type: "open" });
    assert.equal(sockets.length, 1);
    assert.equal(store.phase.value, "waiting");
    assert.deepEqual(last().sent.at(-1), { type: "request", resume: true });
  });

  await t.step("after the chat, a fresh presence socket", () => {
    last().receive({ type: "response" });
    last().closed(CLOSE.partnerLeft.code);
    assert.equal(store.phase.value, "closed");
    assert.equal(sockets.length, 2);
    last().open();
    assert.deepEqual(last().sent, [{ type: "presence" }]);
  });

  await t.step("a dropped presence socket comes back quietly", () => {
    last().closed(WS_CLOSE.abnormal);
    assert.equal(store.onlineLive.value, false);
    assert.equal(store.phase.value, "closed");
    clock.advance(backoffDelay(0, { jitter: 0 }));
    assert.equal(sockets.length, 3);
    last().open();
    assert.equal(store.onlineLive.value, true);
  });

  await t.step("Start while it connects makes it the chat socket", () => {
    last().closed(WS_CLOSE.abnormal);
    clock.advance(backoffDelay(1, { jitter: 0 }));
    assert.equal(sockets.length, 4);
    store.dispatch({ type: "open" });
    assert.equal(sockets.length, 4);
    last().open();
    assert.deepEqual(last().sent, [{ type: "request", resume: true }]);
    stop();
  });
});

Deno.test("createChatStore() explains a refused handshake", async (t) => {
  await t.step(
    "refused: says why and retries when the server says",
    async () => {
      const { store, clock, sockets, last, stop } = startChatStore({
        probe: () =>
          Promise.resolve({
            kind: "refused",
            reason: "too_many_sockets",
            retryAfter: 3,
          }),
      });
      store.dispatch({ type: "open" });
      last().closed(WS_CLOSE.abnormal);
      assert.equal(store.phase.value, "connecting", "decided before asking");
      await Promise.resolve();
      await Promise.resolve();
      assert.equal(store.phase.value, "reconnecting");
      assert.deepEqual(store.notice.value, {
        kind: "refused",
        reason: "too_many_sockets",
        retryAfter: 3,
      });
      assert.equal(store.waitLabel.value, "Trying again in 3 s…");
      clock.advance(2999);
      assert.equal(sockets.length, 1);
      clock.advance(1);
      assert.equal(sockets.length, 2);
      stop();
    },
  );

  await t.step("server down: says so and retries with backoff", async () => {
    const { store, clock, sockets, last, stop } = startChatStore({
      probe: () => Promise.resolve({ kind: "down" }),
    });
    store.dispatch({ type: "open" });
    last().closed(WS_CLOSE.abnormal);
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(store.notice.value, { kind: "down" });
    clock.advance(backoffDelay(0, { jitter: 0 }));
    assert.equal(sockets.length, 2);
    stop();
  });

  await t.step("Cancel while asking goes back to idle", async () => {
    let answer: (a: { kind: "down" }) => void = () => {};
    const { store, last, stop } = startChatStore({
      probe: () => new Promise((resolve) => answer = resolve),
    });
    store.dispatch({ type: "open" });
    last().closed(WS_CLOSE.abnormal);
    store.onEscape();
    await Promise.resolve();
    assert.equal(store.phase.value, "idle");
    answer({ kind: "down" });
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(store.phase.value, "idle");
    stop();
  });
});

Deno.test("createChatStore() matches by interests and blocks", async (t) => {
  const token = "T".repeat(32);
  let interests = ["music", "films"];
  const { store, sockets, last, stop } = startChatStore({
    presence: true,
    request: () => ({ type: "request", token, interests, strict: false }),
  });
  const texts = () =>
    store.lines.value.map((l) =>
      l.kind === "common"
        ? `common:${l.common}`
        : l.kind === "system"
        ? l.key
        : l.kind
    );

  await t.step("the request carries what the page asks for", () => {
    last().open();
    store.dispatch({ type: "open" });
    assert.deepEqual(last().sent.at(-1), {
      type: "request",
      token,
      interests: ["music", "films"],
      strict: false,
      resume: true,
    });
  });

  await t.step("the response says what both like", () => {
    last().receive({ type: "response", common: ["films"] });
    assert.deepEqual(texts(), ["found", "common:films"]);
  });

  await t.step("Block asks the server; its answer ends the chat", () => {
    store.dispatch({ type: "block", token });
    assert.deepEqual(last().sent.at(-1), { type: "block", token });
    assert.equal(store.phase.value, "chat");
    last().receive({ type: "blocked" });
    assert.equal(last().closedWith, WS_CLOSE.normal);
    last().closed(WS_CLOSE.normal);
    assert.equal(store.phase.value, "closed");
    assert.deepEqual(texts(), [
      "found",
      "common:films",
      "blocked",
      "chatClosed",
    ]);
  });

  await t.step("after the chat, Block goes on the presence socket", () => {
    assert.equal(sockets.length, 2);
    // Pressed while it connects: sent once it is open.
    store.dispatch({ type: "block", token });
    assert.deepEqual(last().sent, []);
    last().open();
    assert.deepEqual(last().sent, [{ type: "presence" }, {
      type: "block",
      token,
    }]);
    last().receive({ type: "error", code: "nothing_to_block" });
    assert.deepEqual(texts().at(-1), "error");
  });

  await t.step("nothing shared is said when we asked for interests", () => {
    store.dispatch({ type: "open" });
    last().receive({ type: "response", common: [] });
    assert.deepEqual(texts(), ["found", "common:"]);
    last().closed(CLOSE.partnerLeft.code);
  });

  await t.step("and not when we had none", () => {
    interests = [];
    last().open();
    store.dispatch({ type: "open" });
    last().receive({ type: "response", common: [] });
    assert.deepEqual(texts(), ["found"]);
    stop();
  });
});
