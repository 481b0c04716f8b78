import assert from "node:assert/strict";
import { startChatStore } from "../../tests/support/chat_store_fixture.ts";
import type { FakeSocket } from "../../tests/support/fake_socket.ts";
import { CLOSE, WS_CLOSE } from "../ws/protocol.ts";
import { PARTNER_BACK_MS } from "./resume_store.ts";
import { RESUME_GIVE_UP_MS } from "./resume_wire.ts";

const TOKEN = "R".repeat(22);

/** A store in a chat whose response carried `token`, on its first socket. */
function chatting(token: string | null = TOKEN, grace?: number) {
  const { clock, sockets, store, stop, last } = startChatStore();
  store.dispatch({ type: "open" });
  last().open();
  assert.deepEqual(last().sent, [{ type: "request", resume: true }]);
  last().receive(
    token ? { type: "response", resume: token, grace } : { type: "response" },
  );
  assert.equal(store.phase.value, "chat");
  last().sent.length = 0;
  const say = (text: string) => {
    store.onDraft(text);
    store.submit();
  };
  /** Our lines with their state, and the partner's, in log order. */
  const talk = () =>
    store.lines.value.flatMap((l) =>
      l.kind === "me"
        ? [`me:${l.text}:${l.state ?? "ok"}`]
        : l.kind === "guest"
        ? [`guest:${l.text}`]
        : []
    );
  const messages = (socket: FakeSocket) =>
    socket.sent.filter((f) => (f as { type: string }).type !== "typing");
  return { clock, sockets, store, stop, last, say, talk, messages };
}

/**
 * A chat that dropped and whose first attempt to resume, 0.5 s later, the
 * server refused with `resume_failed` and `reason`.
 */
function refusedResume(reason: string) {
  const chat = chatting();
  chat.last().closed(WS_CLOSE.abnormal);
  chat.clock.advance(500);
  chat.last().open();
  chat.last().receive({ type: "error", code: "resume_failed", reason });
  return chat;
}

Deno.test("createChatStore() resumes a chat after a drop", async (t) => {
  const { clock, sockets, store, stop, last, say, talk, messages } = chatting();

  await t.step("our lines are numbered; partner lines counted", () => {
    say("one");
    say("two");
    say("three");
    assert.deepEqual(messages(last()), [
      { type: "message", message: "one", seq: 1 },
      { type: "message", message: "two", seq: 2 },
      { type: "message", message: "three", seq: 3 },
    ]);
    last().receive({ type: "message", message: "one", from: "me", seq: 1 });
    last().receive({ type: "message", message: "hey", from: "guest", seq: 1 });
    last().receive({ type: "message", message: "yo", from: "guest", seq: 2 });
  });

  await t.step("a drop shows reconnecting and keeps the log", () => {
    last().closed(WS_CLOSE.abnormal);
    assert.equal(store.phase.value, "resuming");
    assert.equal(store.screen.value, "conversation");
    assert.equal(store.linkStatus.value, "Connection lost, reconnecting…");
    assert.deepEqual(talk(), [
      "me:one:ok",
      "me:two:pending",
      "me:three:pending",
      "guest:hey",
      "guest:yo",
    ]);
  });

  await t.step("a line typed meanwhile waits, pending", () => {
    const before = sockets.length;
    say("four");
    assert.equal(sockets.length, before);
    assert.equal(store.pending.value, 3);
  });

  await t.step("attempts after 0.5 s, 1 s, 2 s, 4 s, 4 s", () => {
    for (const delay of [500, 1000, 2000, 4000, 4000]) {
      const before = sockets.length;
      clock.advance(delay - 1);
      assert.equal(sockets.length, before, `tried before ${delay} ms`);
      clock.advance(1);
      assert.equal(sockets.length, before + 1, `no attempt at ${delay} ms`);
      last().closed(WS_CLOSE.abnormal);
      assert.equal(store.phase.value, "resuming");
    }
  });

  await t.step("the fresh socket sends resume with seen", () => {
    clock.advance(4000);
    last().open();
    assert.deepEqual(last().sent, [{ type: "resume", token: TOKEN, seen: 2 }]);
  });

  await t.step("resumed: heard lines delivered, the rest sent again", () => {
    last().receive({ type: "resumed", seen: 2 });
    assert.equal(store.phase.value, "chat");
    assert.equal(store.linkStatus.value, "");
    assert.deepEqual(messages(last()).slice(1), [
      { type: "message", message: "three", seq: 3 },
      { type: "message", message: "four", seq: 4 },
    ]);
    assert.deepEqual(talk().slice(0, 3), [
      "me:one:ok",
      "me:two:ok",
      "me:three:pending",
    ]);
  });

  await t.step("partner lines already seen are dropped", () => {
    last().receive({ type: "message", message: "yo", from: "guest", seq: 2 });
    last().receive({ type: "message", message: "new", from: "guest", seq: 3 });
    last().receive({ type: "message", message: "three", from: "me", seq: 3 });
    last().receive({ type: "message", message: "four", from: "me", seq: 4 });
    assert.deepEqual(talk(), [
      "me:one:ok",
      "me:two:ok",
      "me:three:ok",
      "guest:hey",
      "guest:yo",
      "me:four:ok",
      "guest:new",
    ]);
    assert.equal(store.pending.value, 0);
  });

  await t.step("no attempt is left over", () => {
    const before = sockets.length;
    clock.advance(RESUME_GIVE_UP_MS * 2);
    assert.equal(sockets.length, before);
    assert.equal(store.phase.value, "chat");
    say("five");
    assert.deepEqual(messages(last()).at(-1), {
      type: "message",
      message: "five",
      seq: 5,
    });
    stop();
    assert.equal(clock.pending, 0, "timers left after stop()");
  });
});

Deno.test("createChatStore() ends a chat it cannot resume", async (t) => {
  await t.step("giving up after the grace the response offered", () => {
    const { clock, store, last } = chatting(TOKEN, 5);
    last().closed(WS_CLOSE.abnormal);
    clock.advance(4999);
    assert.equal(store.phase.value, "resuming");
    clock.advance(1);
    assert.equal(store.phase.value, "closed");
  });

  await t.step("giving up after 30 s: closed, with the reason", () => {
    const { clock, store, last, say, talk } = chatting();
    say("lost line");
    last().closed(WS_CLOSE.abnormal);
    clock.advance(RESUME_GIVE_UP_MS - 1);
    assert.equal(store.phase.value, "resuming");
    clock.advance(1);
    assert.equal(store.phase.value, "closed");
    assert.deepEqual(talk(), ["me:lost line:undelivered"]);
    const end = store.lines.value.at(-1);
    assert.deepEqual(
      end && { kind: end.kind, key: "key" in end && end.key },
      { kind: "system", key: "resumeGaveUp" },
    );
  });

  await t.step("resume_failed: closed, with the reason", () => {
    const { store, last } = refusedResume("the chat has ended");
    assert.equal(store.phase.value, "closed");
    assert.deepEqual(store.lines.value.at(-1)?.kind, "error");
    last().closed(4005);
    assert.equal(store.phase.value, "closed");
  });

  await t.step("refused as still connected: one more attempt", () => {
    const { clock, sockets, store, last } = refusedResume(
      "the chat is still connected",
    );
    last().closed(CLOSE.resumeFailed.code, CLOSE.resumeFailed.reason);
    assert.equal(store.phase.value, "resuming");
    const before = sockets.length;
    clock.advance(1000);
    assert.equal(sockets.length, before + 1, "no attempt after the refusal");
    last().open();
    assert.deepEqual(last().sent, [{ type: "resume", token: TOKEN, seen: 0 }]);
    last().receive({ type: "resumed", seen: 0 });
    assert.equal(store.phase.value, "chat");
  });

  await t.step("End while reconnecting stops and shows ended", () => {
    const { clock, sockets, store, last } = chatting();
    last().closed(WS_CLOSE.abnormal);
    store.dispatch({ type: "end" });
    assert.equal(store.phase.value, "closed");
    const before = sockets.length;
    clock.advance(RESUME_GIVE_UP_MS * 2);
    assert.equal(sockets.length, before, "still reconnecting after End");
  });

  await t.step("a close the server meant ends the chat as before", () => {
    for (const code of [WS_CLOSE.normal, CLOSE.partnerLeft.code, 1008]) {
      const { store, last } = chatting();
      last().closed(code);
      assert.equal(store.phase.value, "closed", `${code}`);
    }
  });

  await t.step("without a token a drop ends the chat as before", () => {
    const { store, last } = chatting(null);
    last().closed(WS_CLOSE.abnormal);
    assert.equal(store.phase.value, "closed");
  });
});

Deno.test("createChatStore() tries at once when the browser is online", () => {
  const { sockets, store, stop, last } = chatting();
  dispatchEvent(new Event("online"));
  assert.equal(sockets.length, 1, "online in a chat opened a socket");
  last().closed(WS_CLOSE.abnormal);
  const before = sockets.length;
  dispatchEvent(new Event("online"));
  assert.equal(sockets.length, before + 1, "no attempt on online");
  assert.equal(store.phase.value, "resuming");
  stop();
  dispatchEvent(new Event("online"));
  assert.equal(sockets.length, before + 1, "listening after stop()");
});

Deno.test("createChatStore() shows the partner's connection", () => {
  const { clock, store, last, stop } = chatting();
  last().receive({ type: "typing", on: true });
  last().receive({ type: "partner_away" });
  assert.equal(store.partnerTyping.value, false);
  assert.equal(
    store.linkStatus.value,
    "Stranger’s connection dropped, waiting…",
  );
  last().receive({ type: "partner_back" });
  assert.equal(store.linkStatus.value, "Stranger is back");
  clock.advance(PARTNER_BACK_MS);
  assert.equal(store.linkStatus.value, "");
  last().receive({ type: "partner_away" });
  last().closed(4006);
  assert.equal(store.linkStatus.value, "");
  assert.deepEqual(store.lines.value.at(-1)?.kind, "close");
  store.setLang("ru");
  assert.equal(store.dict.value.closes[4006], "Собеседник не вернулся.");
  stop();
});
