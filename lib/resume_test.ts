import assert from "node:assert/strict";
import { Switchboard, type SwitchboardOptions } from "./pairing.ts";
import { lineSeq } from "./resume.ts";
import { messageFrames, TYPING_FRAMES } from "./ws/protocol.ts";
import { FakeClock } from "../tests/support/clock.ts";
import { BoardSocket as FakeSocket } from "../tests/support/board_socket.ts";

function setup(options: SwitchboardOptions = {}) {
  const clock = new FakeClock();
  const board = new Switchboard({ clock, ...options });
  const open = () => new FakeSocket(board);
  /** Two visitors paired, each resumable unless told. */
  const pair = (resumeA = true, resumeB = true) => {
    const a = open(), b = open();
    board.handle(a.session, { type: "request", resume: resumeA });
    board.handle(b.session, { type: "request", resume: resumeB });
    return [a, b];
  };
  return { board, clock, open, pair };
}

Deno.test("lineSeq() reads the seq of a partner's line frame only", () => {
  const [mine, theirs] = messageFrames('say "seq":9} \\ ☃', 4, 17);
  assert.equal(lineSeq(theirs), 17);
  assert.equal(lineSeq(mine), 0, "an echo is not held");
  assert.equal(lineSeq(TYPING_FRAMES.on), 0);
  assert.equal(lineSeq('{"type":"online","count":3}'), 0);
  assert.equal(lineSeq('{"type":"partner_away"}'), 0);
});

Deno.test("Switchboard gives a resumable request a token per side; a bare request none", () => {
  const { board, pair } = setup();
  const [a, b] = pair();
  const token = /^[A-Za-z0-9_-]{24}$/;
  assert.match(a.token(), token);
  assert.match(b.token(), token);
  assert.notEqual(a.token(), b.token());
  const [c, d] = pair(false, false);
  assert.deepEqual(c.frames[0], { type: "response" });
  assert.deepEqual(d.frames[0], { type: "response" });
  board.dispose();
  const off = setup({ resumeGrace: 0 });
  const [e] = off.pair();
  assert.deepEqual(e.frames[0], { type: "response" }, "resume off: no token");
  off.board.dispose();
});

Deno.test("Switchboard pauses a resumable chat on a drop and replays the missed lines once, in order", async (t) => {
  const { board, open, pair } = setup();
  const [a, b] = pair();
  const token = a.token();
  a.say("a1", 1);
  b.say("b1", 1);
  assert.deepEqual(a.heard().slice(-2), ["me:a1:1", "guest:b1:1"]);
  a.forget();
  b.forget();

  await t.step("the partner hears partner_away and may go on", () => {
    a.drop();
    assert.deepEqual(b.heard(), ["partner_away"]);
    b.say("b2", 2);
    board.handle(b.session, { type: "typing", on: true });
    b.say("b3", 3);
    assert.deepEqual(b.heard(), ["partner_away", "me:b2:2", "me:b3:3"]);
    assert.equal(b.closedWith, null);
    assert.equal(a.session.state, "chat");
  });

  const a2 = open();
  await t.step("resume: resumed, the lines after seen, partner_back", () => {
    const old = a.session;
    assert.equal(a2.resume(token, 1), old, "the paused session goes on");
    assert.deepEqual(a2.heard(), ["resumed", "guest:b2:2", "guest:b3:3"]);
    assert.equal(a2.frames[0].seen, 1, "a's last line the server has");
    assert.deepEqual(b.heard().at(-1), "partner_back");
    assert.equal(board.connected, 2, "the fresh session is gone");
    assert.equal(board.chatting, 2);
  });

  await t.step("a line resent with a seq already heard is dropped", () => {
    a2.forget();
    b.forget();
    const relayed = board.stats.messagesRelayed;
    a2.say("a1", 1);
    assert.deepEqual(a2.heard(), []);
    assert.deepEqual(b.heard(), []);
    a2.say("a2", 2);
    assert.deepEqual(a2.heard(), ["me:a2:2"]);
    assert.deepEqual(b.heard(), ["guest:a2:2"]);
    assert.equal(board.stats.messagesRelayed, relayed + 1);
  });

  await t.step("a second drop resumes with the same token", () => {
    a2.drop();
    b.say("b4");
    const a3 = open();
    assert.ok(a3.resume(token, 2));
    assert.deepEqual(a3.heard(), ["resumed", "guest:b3:3", "guest:b4:4"]);
    a3.close(1000);
  });
  assert.equal(b.closedWith, 4000, "an explicit end ends it at once");
  board.dispose();
});

Deno.test("Switchboard numbers a bare client's lines itself and never pauses its chat", () => {
  const { board, pair } = setup();
  const [a, b] = pair(false, true);
  a.say("one");
  a.say("two");
  assert.deepEqual(b.heard().slice(-2), ["guest:one:1", "guest:two:2"]);
  assert.deepEqual(a.heard().slice(-2), ["me:one:1", "me:two:2"]);
  a.drop();
  assert.equal(b.closedWith, 4000, "its partner is told at once");
  assert.ok(!b.heard().includes("partner_away"));
  assert.equal(board.connected, 0);
  board.dispose();
});

Deno.test("Switchboard closes the waiting partner with 4006 after the grace; the token is dead", () => {
  const { board, clock, open, pair } = setup({ resumeGrace: 30 });
  const [a, b] = pair();
  a.drop();
  clock.advance(29_000);
  assert.equal(b.closedWith, null);
  clock.advance(1_000);
  assert.equal(b.closedWith, 4006);
  assert.equal(board.connected, 0);
  const late = open();
  assert.equal(late.resume(a.token(), 0), null);
  assert.deepEqual(late.heard(), [
    "error:resume_failed:unknown or expired token",
  ]);
  assert.equal(late.closedWith, 4005);
  assert.equal(clock.pending, 0);
  board.dispose();
});

Deno.test("Switchboard closes the partner with 4007 past the lines or bytes held for the away side", async (t) => {
  for (
    const [what, options, line] of [
      ["lines", { resumeBufferLines: 3 }, "x"],
      ["bytes", { resumeBufferBytes: 300 }, "y".repeat(40)],
    ] as const
  ) {
    await t.step(what, () => {
      const { board, clock, open, pair } = setup(options);
      const [a, b] = pair();
      a.drop();
      b.forget();
      for (let i = 1; i <= 3; i++) b.say(line + i);
      assert.equal(b.closedWith, null, "up to the bound is held");
      b.say(line + 4);
      assert.equal(b.closedWith, 4007);
      assert.ok(!b.heard().includes(`me:${line}4:4`), "not echoed");
      const late = open();
      assert.equal(late.resume(a.token(), 0), null);
      assert.deepEqual(late.heard(), [
        "error:resume_failed:the chat has ended",
      ]);
      clock.advance(30_000);
      assert.equal(board.connected, 0);
      board.dispose();
    });
  }
});

Deno.test("Switchboard refuses a token whose socket lives, reused, unknown, or out of place; nothing is touched", async (t) => {
  const { board, open, pair } = setup();
  const [a, b] = pair();
  const token = a.token();
  a.say("secret", 1);
  a.forget();
  b.forget();
  const refused = (token: unknown, reason: string) => {
    const thief = open();
    assert.equal(thief.resume(token, 0), null);
    assert.deepEqual(thief.heard(), [`error:resume_failed:${reason}`]);
    assert.equal(thief.closedWith, 4005);
  };

  await t.step("stolen while the first socket is alive", () => {
    refused(token, "the chat is still connected");
    assert.deepEqual([a.heard(), b.heard()], [[], []]);
    assert.equal(a.closedWith, null);
  });

  await t.step("a wrong token of the same start, and an unknown one", () => {
    const last = token.at(-1) === "A" ? "B" : "A";
    refused(token.slice(0, -1) + last, "unknown or expired token");
    refused("Z".repeat(24), "unknown or expired token");
  });

  await t.step("reused after a resume", () => {
    a.drop();
    const a2 = open();
    assert.ok(a2.resume(token, 1));
    refused(token, "the chat is still connected");
    assert.equal(a2.closedWith, null);
    a2.say("still here", 2);
    assert.equal(b.heard().at(-1), "guest:still here:2");
  });

  await t.step("after request on the same socket: no close", () => {
    const c = open();
    board.handle(c.session, { type: "request" });
    assert.equal(c.resume(token, 0), null);
    assert.deepEqual(c.heard(), [
      "error:resume_failed:resume must be the first frame",
    ]);
    assert.equal(c.closedWith, null);
    c.close(1000);
  });
  board.dispose();
});

Deno.test("Switchboard ends a paused chat its partner leaves; the resume hears it ended", () => {
  const { board, clock, open, pair } = setup();
  const [a, b] = pair();
  a.drop();
  b.close(1000);
  assert.equal(board.connected, 0);
  assert.equal(board.chatting, 0);
  const late = open();
  assert.equal(late.resume(a.token(), 0), null);
  assert.deepEqual(late.heard(), ["error:resume_failed:the chat has ended"]);
  clock.advance(30_000);
  const later = open();
  later.resume(a.token(), 0);
  assert.deepEqual(later.heard(), [
    "error:resume_failed:unknown or expired token",
  ]);
  board.dispose();
});

Deno.test("Switchboard refuses a resume whose missed lines are no longer held, and frees the partner", () => {
  const { board, open, pair } = setup({ resumeBufferLines: 2 });
  const [a, b] = pair();
  for (const line of ["b1", "b2", "b3"]) b.say(line);
  a.drop();
  const late = open();
  assert.equal(late.resume(a.token(), 0), null, "b1 is gone");
  assert.deepEqual(late.heard(), ["error:resume_failed:lines were lost"]);
  assert.equal(b.closedWith, 4006);
  board.dispose();
});

Deno.test("Switchboard replays what the last ring still holds when seen allows it", () => {
  const { board, open, pair } = setup({ resumeBufferLines: 2 });
  const [a, b] = pair();
  for (const line of ["b1", "b2", "b3"]) b.say(line);
  a.drop();
  const a2 = open();
  assert.ok(a2.resume(a.token(), 1));
  assert.deepEqual(a2.heard(), ["resumed", "guest:b2:2", "guest:b3:3"]);
  board.dispose();
});

Deno.test("Switchboard tells a side that resumes that its partner is away too", () => {
  const { board, open, pair } = setup();
  const [a, b] = pair();
  a.drop();
  b.drop();
  const a2 = open();
  assert.ok(a2.resume(a.token(), 0));
  assert.deepEqual(a2.heard(), ["resumed", "partner_away"]);
  const b2 = open();
  assert.ok(b2.resume(b.token(), 0));
  assert.deepEqual(b2.heard(), ["resumed", "partner_back"]);
  b2.say("hi");
  assert.deepEqual(a2.heard().at(-1), "guest:hi:1");
  board.dispose();
});

Deno.test("Switchboard ends paused chats on shutdown and stops their timers", () => {
  const { board, clock, pair } = setup();
  const [a, b] = pair();
  a.drop();
  board.closeAll(1001, "server_shutdown");
  assert.equal(b.closedWith, 1001);
  assert.equal(board.connected, 0);
  board.dispose();
  assert.equal(clock.pending, 0);
});
