import assert from "node:assert/strict";
import type { MemoryBackend } from "./backends/memory.ts";
import { type Peer, type Session, Switchboard } from "./pairing.ts";

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

function setup() {
  const board = new Switchboard();
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
  });
  assert.deepEqual(b.frames.at(-1), {
    type: "message",
    message: "hi",
    from: "guest",
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
  const board = new Switchboard({ onlineInterval: 20 });
  const join = () => {
    const p = new FakePeer(board);
    p.session = board.join(p);
    return p;
  };
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
  const board = new Switchboard({ onlineInterval: 30 });
  const peers: FakePeer[] = [];
  for (let i = 0; i < 5; i++) {
    const p = new FakePeer(board);
    p.session = board.join(p);
    peers.push(p);
  }
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
