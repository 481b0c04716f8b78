import assert from "node:assert/strict";
import {
  HANDSHAKE_SPAN_MS,
  SHORT_CHAT_SPAN_MS,
  Suspicion,
} from "./suspicion.ts";

function suspicion(now: { t: number }, extra = {}): Suspicion {
  return new Suspicion({
    handshakes: 20,
    shortChats: 8,
    now: () => now.t,
    ...extra,
  });
}

Deno.test("Suspicion.suspicious() turns on past the handshakes of one minute, per group", () => {
  const now = { t: 1_000_000 };
  const s = suspicion(now);
  for (let i = 0; i < 20; i++) s.handshake("a");
  assert.equal(s.suspicious("a"), false, "20 is the limit, not past it");
  s.handshake("a");
  assert.equal(s.suspicious("a"), true);
  assert.equal(s.suspicious("b"), false, "another group is not touched");
  now.t += 2 * HANDSHAKE_SPAN_MS;
  assert.equal(s.suspicious("a"), false, "two minutes later it is forgotten");
});

Deno.test("Suspicion counts over a sliding minute: a burst across a window's edge still counts", () => {
  const now = { t: 0 };
  const s = suspicion(now);
  s.handshake("a"); // the window starts here
  now.t = HANDSHAKE_SPAN_MS - 1_000;
  for (let i = 0; i < 12; i++) s.handshake("a");
  now.t = HANDSHAKE_SPAN_MS + 1_000;
  for (let i = 0; i < 12; i++) s.handshake("a");
  assert.equal(s.suspicious("a"), true, "25 within two seconds");
  now.t += HANDSHAKE_SPAN_MS;
  assert.equal(s.suspicious("a"), false, "a minute later: only the last 12");
});

Deno.test("Suspicion counts chats shorter than 5 s over ten minutes", () => {
  const now = { t: 1_000_000 };
  const s = suspicion(now);
  for (let i = 0; i < 8; i++) s.chatEnded("a", 4.9);
  s.chatEnded("a", 5);
  s.chatEnded("a", 600);
  s.chatEnded("a", NaN);
  assert.equal(s.suspicious("a"), false, "8 short ones; 5 s is not short");
  now.t += SHORT_CHAT_SPAN_MS / 2;
  s.chatEnded("a", 0);
  assert.equal(s.suspicious("a"), true, "the ninth within ten minutes");
  now.t += 2 * SHORT_CHAT_SPAN_MS;
  assert.equal(s.suspicious("a"), false);
});

Deno.test("Suspicion: 0 turns a count off", () => {
  const now = { t: 1_000_000 };
  const s = suspicion(now, { handshakes: 0, shortChats: 0 });
  for (let i = 0; i < 1000; i++) {
    s.handshake("a");
    s.chatEnded("a", 0);
  }
  assert.equal(s.suspicious("a"), false);
  assert.equal(s.size, 0, "nothing remembered for counts that are off");
});

Deno.test("Suspicion.solved() clears a group for a while, not for good", () => {
  const now = { t: 1_000_000 };
  const s = suspicion(now, { clearMs: 600_000 });
  for (let i = 0; i < 30; i++) s.handshake("a");
  assert.equal(s.suspicious("a"), true);
  s.solved("a");
  for (let i = 0; i < 30; i++) s.handshake("a");
  assert.equal(s.suspicious("a"), false, "asked once, not at every request");
  now.t += 599_000;
  for (let i = 0; i < 30; i++) s.handshake("a");
  assert.equal(s.suspicious("a"), false);
  now.t += 1_000;
  assert.equal(s.suspicious("a"), true, "still hammering when it ends");
});

Deno.test("Suspicion memory: idle groups are swept, and a cap holds the rest", async (t) => {
  await t.step("idle groups are forgotten", () => {
    const now = { t: 1_000_000 };
    const s = suspicion(now);
    for (let i = 0; i < 1000; i++) s.handshake(`10.0.${i >> 8}.${i & 255}`);
    s.chatEnded("short", 1);
    assert.equal(s.size, 1001);
    now.t += 2 * HANDSHAKE_SPAN_MS;
    s.handshake("late");
    assert.equal(s.size, 2, "the short chat (ten minutes) and the newcomer");
    now.t += 2 * SHORT_CHAT_SPAN_MS;
    s.handshake("later");
    assert.equal(s.size, 1);
  });
  await t.step("past the cap the oldest group goes", () => {
    const now = { t: 1_000_000 };
    const s = suspicion(now, { maxGroups: 10 });
    for (let i = 0; i < 21; i++) s.handshake("first");
    for (let i = 0; i < 100; i++) s.handshake(`g${i}`);
    assert.equal(s.size, 10);
    assert.equal(s.suspicious("first"), false, "forgotten");
  });
});
