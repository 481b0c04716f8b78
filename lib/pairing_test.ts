import assert from "node:assert/strict";
import type { MemoryBackend } from "./backends/memory.ts";
import { Switchboard, type SwitchboardOptions } from "./pairing.ts";
import type { JoinOptions, Peer, Session } from "./session.ts";
import { RECENT_MS } from "./recent_partners.ts";
import { FakeClock } from "../tests/support/clock.ts";

/** A peer that records what it is sent and how it was closed. */
class FakePeer implements Peer {
  frames: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  session!: Session;
  constructor(private board: Switchboard) {}
  send(frame: string) {
    this.frames.push(JSON.parse(frame));
  }
  close(code: number) {
    this.closedWith = code;
    this.board.leave(this.session);
  }
  types() {
    return this.frames.map((f) => f.type).filter((t) => t !== "online");
  }
}

/** A switchboard with `options`, and visitors that join it. */
function setup(options: SwitchboardOptions = {}) {
  const board = new Switchboard(options);
  const join = () => {
    const peer = new FakePeer(board);
    peer.session = board.join(peer);
    return peer;
  };
  return { board, join };
}

Deno.test("Switchboard pairs the first two requests and relays between them", () => {
  const { board, join } = setup();
  const a = join(), b = join();
  board.handle(a.session, { type: "request" });
  assert.equal(a.session.state, "waiting");
  board.handle(b.session, { type: "request" });
  assert.deepEqual(a.types(), ["response"]);
  assert.deepEqual(b.types(), ["response"]);
  assert.equal(a.session.partner, b.session.id);
  board.handle(a.session, { type: "message", message: "hi" });
  assert.deepEqual(a.frames.at(-1), {
    type: "message",
    message: "hi",
    from: "me",
    seq: 1,
  });
  assert.deepEqual(b.frames.at(-1), {
    type: "message",
    message: "hi",
    from: "guest",
    seq: 1,
  });
  board.handle(b.session, { type: "typing", on: true });
  assert.deepEqual(a.frames.at(-1), { type: "typing", on: true });
  assert.equal(board.stats.pairsMade, 1);
  assert.equal(board.stats.messagesRelayed, 1);
  board.dispose();
});

Deno.test("Switchboard sends online with response", () => {
  const { board, join } = setup();
  const a = join(), b = join();
  join();
  board.handle(a.session, { type: "request" });
  board.handle(b.session, { type: "request" });
  assert.deepEqual(a.frames, [{ type: "response" }, {
    type: "online",
    count: 3,
  }]);
  board.dispose();
});

Deno.test("Switchboard is FIFO: the longest waiter is paired first", () => {
  const { board, join } = setup();
  const peers = [join(), join(), join()];
  for (const p of peers) board.handle(p.session, { type: "request" });
  assert.equal(peers[0].session.partner, peers[1].session.id);
  assert.equal(peers[2].session.state, "waiting");
  const d = join();
  board.handle(d.session, { type: "request" });
  assert.equal(d.session.partner, peers[2].session.id);
  board.dispose();
});

Deno.test("Switchboard: a leaver's partner is closed with 4000, waiters stay", () => {
  const { board, join } = setup();
  const [a, b, c] = [join(), join(), join()];
  for (const p of [a, b, c]) board.handle(p.session, { type: "request" });
  board.leave(a.session);
  assert.equal(b.closedWith, 4000);
  assert.equal(c.closedWith, null);
  assert.equal(c.session.state, "waiting");
  assert.equal(board.chatting, 0);
  const d = join();
  board.handle(d.session, { type: "request" });
  assert.equal(d.session.partner, c.session.id);
  board.dispose();
});

Deno.test("Switchboard drops a waiter who leaves; nobody pairs with it", () => {
  const { board, join } = setup();
  const a = join(), b = join();
  board.handle(a.session, { type: "request" });
  board.leave(a.session);
  board.handle(b.session, { type: "request" });
  assert.equal(b.session.state, "waiting");
  assert.equal((board.backend as MemoryBackend).waiting, 1);
  assert.equal(board.connected, 1);
  board.dispose();
});

Deno.test("Switchboard answers out-of-order frames with errors only to the sender", () => {
  const { board, join } = setup();
  const a = join(), b = join(), c = join();
  board.handle(a.session, { type: "message", message: "early" });
  board.handle(a.session, { type: "typing", on: true });
  assert.deepEqual(a.frames.map((f) => f.code), ["not_paired", "not_paired"]);
  board.handle(a.session, { type: "request" });
  board.handle(a.session, { type: "request" });
  assert.equal(a.frames.at(-1)?.code, "already_requested");
  board.handle(a.session, { type: "message", message: "still waiting" });
  assert.equal(a.frames.at(-1)?.code, "not_paired");
  board.handle(b.session, { type: "request" });
  assert.equal(a.session.partner, b.session.id);
  assert.deepEqual(c.frames, []);
  board.handle(b.session, { type: "request" });
  assert.equal(b.frames.at(-1)?.code, "already_requested");
  assert.equal(b.session.partner, a.session.id);
  board.dispose();
});

Deno.test("Switchboard: 200 joiners make exactly 100 pairs, nobody twice or with self", () => {
  const { board, join } = setup();
  const peers = Array.from({ length: 200 }, join);
  for (const p of peers) board.handle(p.session, { type: "request" });
  const partners = new Map(peers.map((p) => [p.session.id, p.session.partner]));
  for (const [id, partner] of partners) {
    assert.notEqual(partner, null);
    assert.notEqual(partner, id);
    assert.equal(partners.get(partner!), id);
  }
  assert.equal(board.stats.pairsMade, 100);
  board.dispose();
});

Deno.test("Switchboard pushes online counts only to visitors not in a chat", async () => {
  const { board, join } = setup({ onlineInterval: 20 });
  const [a, b, lonely] = [join(), join(), join()];
  board.handle(a.session, { type: "request" });
  board.handle(b.session, { type: "request" });
  const before = a.frames.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(a.frames.length, before, "no push into a chat");
  assert.deepEqual(lonely.frames.at(-1), { type: "online", count: 3 });
  board.dispose();
});

Deno.test("Switchboard coalesces online pushes to one per interval", async () => {
  const { board, join } = setup({ onlineInterval: 30 });
  const peers: FakePeer[] = [];
  for (let i = 0; i < 5; i++) peers.push(join());
  await new Promise((r) => setTimeout(r, 80));
  const online = peers[0].frames.filter((f) => f.type === "online");
  assert.deepEqual(online, [{ type: "online", count: 5 }]);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(peers[0].frames.filter((f) => f.type === "online").length, 1);
  board.leave(peers[4].session);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(peers[0].frames.at(-1), { type: "online", count: 4 });
  board.dispose();
});

Deno.test("Switchboard: presence counts a page, tells it the count, and it may then request", async () => {
  const { board, join } = setup({ onlineInterval: 20 });
  const page = join();
  board.handle(page.session, { type: "presence" });
  assert.equal(page.session.present, true);
  assert.equal(page.session.state, "fresh");
  assert.deepEqual(page.frames, [{ type: "online", count: 1 }]);
  assert.equal(board.online, 1);

  const visitor = join();
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(page.frames.at(-1), { type: "online", count: 2 });

  board.handle(page.session, { type: "request" });
  board.handle(visitor.session, { type: "request" });
  assert.equal(page.session.state, "chat");
  assert.equal(page.session.partner, visitor.session.id);
  board.dispose();
});

Deno.test("Switchboard refuses presence twice, or after request, as already_present", () => {
  const { board, join } = setup();
  const twice = join(), late = join();
  board.handle(twice.session, { type: "presence" });
  board.handle(twice.session, { type: "presence" });
  assert.deepEqual(twice.frames.at(-1), {
    type: "error",
    code: "already_present",
    reason: "presence already sent",
  });
  board.handle(late.session, { type: "request" });
  board.handle(late.session, { type: "presence" });
  assert.equal(late.frames.at(-1)?.code, "already_present");
  assert.equal(late.session.present, false);
  assert.equal(late.session.state, "waiting");
  board.dispose();
});

/** A switchboard on a fake clock, and visitors that join it from a group. */
function clocked(options: SwitchboardOptions = {}) {
  const clock = new FakeClock();
  const board = new Switchboard({ clock, ...options });
  const join = (group: string, join: JoinOptions = {}) => {
    const peer = new FakePeer(board);
    peer.session = board.join(peer, { group, ...join });
    return peer;
  };
  const ask = (peer: FakePeer, token?: string) =>
    board.handle(peer.session, { type: "request", token });
  /** Joins from `group` and asks at once. */
  const asking = (group: string, token?: string) => {
    const peer = join(group);
    ask(peer, token);
    return peer;
  };
  /** Each of `peers` leaves, in order. */
  const leave = (...peers: FakePeer[]) => {
    for (const peer of peers) board.leave(peer.session);
  };
  return { board, clock, join, ask, asking, leave };
}

Deno.test("Switchboard caps requests per minute per address group: the rest wait, then pair", async (t) => {
  const { board, clock, join, ask } = clocked({ maxPairingsPerMinute: 2 });
  const [a, b, c, d] = [join("g"), join("g"), join("g"), join("g")];
  const e = join("h");
  await t.step("within the cap, one group pairs with itself", () => {
    ask(a);
    ask(b);
    assert.equal(a.session.partner, b.session.id);
  });
  await t.step("past it, requests are parked without an error", () => {
    ask(c);
    ask(d);
    assert.equal(c.session.state, "parked");
    assert.equal(d.session.state, "parked");
    assert.deepEqual([...c.types(), ...d.types()], []);
  });
  await t.step(
    "another group is not held up, nor paired with the parked",
    () => {
      ask(e);
      assert.equal(e.session.state, "waiting");
    },
  );
  await t.step(
    "a minute after the first counted request, the parked enter matching in order",
    () => {
      clock.advance(59_999);
      assert.equal(c.session.state, "parked");
      clock.advance(1);
      assert.equal(c.session.partner, e.session.id);
      assert.equal(d.session.state, "waiting");
      assert.deepEqual(c.types(), ["response"]);
      assert.equal(clock.pending, 0);
    },
  );
  board.dispose();
});

Deno.test("Switchboard's cap is a sliding minute: a group's requests spread out are never parked", () => {
  const { board, clock, join, ask, asking } = clocked({
    maxPairingsPerMinute: 3,
  });
  for (let i = 0; i < 12; i++) {
    const p = asking("g");
    assert.notEqual(p.session.state, "parked", `request ${i}`);
    clock.advance(20_000);
  }
  // 40 s and 20 s ago are in the window, 60 s ago just left it.
  const burst = [join("g"), join("g"), join("g")];
  for (const p of burst) ask(p);
  assert.deepEqual(burst.map((p) => p.session.state === "parked"), [
    false,
    true,
    true,
  ]);
  board.dispose();
});

Deno.test("Switchboard forgets a parked visitor who leaves and stops its timer", () => {
  const { board, clock, join, ask } = clocked({
    maxPairingsPerMinute: 1,
  });
  const [a, b] = [join("g"), join("g")];
  ask(a);
  ask(b);
  assert.equal(b.session.state, "parked");
  assert.equal(clock.pending, 1);
  board.leave(b.session);
  assert.equal(clock.pending, 0);
  clock.advance(120_000);
  assert.equal(a.session.state, "waiting");
  assert.equal(board.connected, 1);
  board.dispose();
});

Deno.test("Switchboard with no cap (0) pairs any number from one group", () => {
  const { board, join, ask } = clocked();
  const peers = Array.from({ length: 100 }, () => join("127.0.0.1"));
  for (const p of peers) ask(p);
  assert.equal(board.stats.pairsMade, 50);
  board.dispose();
});

Deno.test("Switchboard remembers recent partners by address group: Next does not bring the same one back", async (t) => {
  const { board, clock, join, ask, asking, leave } = clocked();
  const bot = asking("bot");
  const v = asking("v");
  assert.equal(v.session.partner, bot.session.id);
  board.leave(v.session); // Next: this socket ends, the bot's is closed
  assert.equal(bot.closedWith, 4000);
  const bot2 = asking("bot");
  const v2 = join("v");
  await t.step("the visitor's next request skips the bot", () => {
    ask(v2);
    assert.equal(v2.session.state, "waiting");
    assert.equal(bot2.session.state, "waiting");
  });
  await t.step("the bot's own memory keeps it from the visitor too", () => {
    board.leave(v2.session);
    const v3 = asking("v");
    const bot3 = join("bot");
    board.leave(bot2.session);
    ask(bot3);
    assert.equal(bot3.session.state, "waiting");
    assert.equal(v3.session.state, "waiting");
    leave(bot3, v3);
  });
  await t.step("another visitor still meets the bot", () => {
    const bot4 = asking("bot");
    const w = asking("w");
    assert.equal(w.session.partner, bot4.session.id);
    board.leave(w.session);
  });
  await t.step("after RECENT_MS they may meet again", () => {
    clock.advance(RECENT_MS);
    const bot5 = asking("bot");
    const v4 = asking("v");
    assert.equal(v4.session.partner, bot5.session.id);
  });
  board.dispose();
});

Deno.test("Switchboard remembers only the last three partners", () => {
  const { board, join, ask, leave } = clocked();
  const meet = (mine: string, theirs: string) => {
    const a = join(theirs), b = join(mine);
    ask(a);
    ask(b);
    const met = b.session.partner === a.session.id;
    leave(a, b);
    return met;
  };
  for (const g of ["p1", "p2", "p3", "p4"]) assert.ok(meet("v", g), g);
  assert.ok(!meet("v", "p1"), "p1 still remembers v");
  for (const g of ["q1", "q2", "q3"]) assert.ok(meet("p1", g), g);
  assert.ok(meet("v", "p1"), "each pushed the other out after three more");
  assert.ok(!meet("v", "p4"), "p4 is still recent");
  board.dispose();
});

Deno.test("Switchboard knows a visitor by its browser token before its address", async (t) => {
  const { board, asking, leave } = clocked();
  const T1 = "tab-token-one-1234", T2 = "tab-token-two-5678";
  const x = asking("nat", T1);
  const y = asking("home");
  assert.equal(y.session.partner, x.session.id);
  leave(x, y);
  await t.step("another browser behind the same address is not avoided", () => {
    const y2 = asking("home");
    const z = asking("nat", T2);
    assert.equal(z.session.partner, y2.session.id);
    leave(y2, z);
  });
  await t.step("the same browser is, whatever its address", () => {
    const y3 = asking("home");
    const x2 = asking("elsewhere", T1);
    assert.equal(x2.session.state, "waiting");
    leave(y3, x2);
  });
  await t.step("without a token, the address is the identity", () => {
    const y4 = asking("home");
    const z2 = asking("nat");
    assert.equal(z2.session.partner, y4.session.id);
    leave(z2, y4);
    const y5 = asking("home");
    const z3 = asking("nat", "a-third-browser-token");
    assert.equal(
      z3.session.partner,
      y5.session.id,
      "a token is a new identity",
    );
  });
  board.dispose();
});

Deno.test("Switchboard lets two tabs of one address chat, press Next and chat again", () => {
  for (const token of [undefined, "one-browser-token-x"]) {
    const { board, join, ask } = clocked({ maxPairingsPerMinute: 20 });
    const a = join("127.0.0.1"), b = join("127.0.0.1");
    ask(a, token);
    ask(b, token);
    assert.equal(a.session.partner, b.session.id);
    board.leave(a.session);
    const a2 = join("127.0.0.1"), b2 = join("127.0.0.1");
    ask(a2, token);
    ask(b2, token);
    assert.equal(b2.session.partner, a2.session.id, String(token));
    board.dispose();
  }
});
