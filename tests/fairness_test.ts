/**
 * Fair pairing under a single bot (issue 12): one address that always keeps
 * a socket queued must not meet most visitors, and Next must not bring it
 * back; yet two tabs of one machine still chat, press Next and chat again.
 *
 * @module
 */

import assert from "node:assert/strict";
import { defaultConfig } from "../lib/ops/config.ts";
import { Switchboard } from "../lib/pairing.ts";
import type { Peer, Session } from "../lib/session.ts";
import { startTestServer, TestClient } from "./helpers.ts";
import { RawSocket, within } from "./security_helpers.ts";
import { FakeClock } from "./support/clock.ts";

/** A visitor of the simulation: a peer that knows whom it met. */
class SimPeer implements Peer {
  session!: Session;
  closed = false;
  constructor(readonly board: Switchboard, readonly who: string) {}
  send(): void {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.board.leave(this.session);
  }
}

Deno.test("with default options, a bot keeping one socket queued meets under 20 % of visitors arriving every 400 ms, and never one twice", () => {
  const clock = new FakeClock();
  const { maxPairingsPerMinute } = defaultConfig();
  const board = new Switchboard({ clock, maxPairingsPerMinute });
  const peers = new Map<string, SimPeer>();
  const open = (who: string, group: string) => {
    const peer = new SimPeer(board, who);
    peer.session = board.join(peer, { group });
    peers.set(peer.session.id, peer);
    board.handle(peer.session, { type: "request" });
    return peer;
  };
  const partnerOf = (peer: SimPeer) => peers.get(peer.session.partner!)!.who;

  // The bot: the moment its socket is paired, it queues a new one.
  let bot = open("bot", "203.0.113.7");
  const firsts: SimPeer[] = [];
  const seconds: SimPeer[] = [];
  const MINUTES = 10;
  for (let t = 0; t < MINUTES * 60_000; t += 400) {
    const i = firsts.length;
    const visitor = open(`v${i}`, `198.51.100.${i % 250}:${i}`);
    firsts.push(visitor);
    // A visitor chats for 3 s, then presses Next: a new socket, a request.
    clock.setTimeout(() => {
      if (visitor.session.state !== "chat") return;
      visitor.close();
      seconds.push(open(`v${i}`, `198.51.100.${i % 250}:${i}`));
    }, 3_000);
    if (bot.session.state === "chat") bot = open("bot", "203.0.113.7");
    clock.advance(400);
  }
  const paired = firsts.filter((p) => p.session.partner !== null);
  const metBot = paired.filter((p) => partnerOf(p) === "bot").length;
  const metVisitor = paired.length - metBot;
  assert.ok(paired.length > 0.95 * firsts.length, `${paired.length} paired`);
  assert.ok(
    metVisitor >= 0.8 * paired.length,
    `visitors met each other ${metVisitor} of ${paired.length} times`,
  );
  assert.ok(
    metBot <= MINUTES * maxPairingsPerMinute + maxPairingsPerMinute,
    `the bot met ${metBot}`,
  );
  for (const second of seconds) {
    if (second.session.partner === null) continue;
    const first = firsts.find((p) => p.who === second.who)!;
    if (first.session.partner !== null && partnerOf(first) === "bot") {
      assert.notEqual(partnerOf(second), "bot", `${second.who} met it again`);
    }
  }
  board.dispose();
});

Deno.test("with default options, two tabs of one machine chat, press Next and chat again", async () => {
  await using server = await startTestServer();
  for (let round = 0; round < 3; round++) {
    const a = await TestClient.open(server.wsUrl);
    const b = await TestClient.open(server.wsUrl);
    a.send({ type: "request" });
    b.send({ type: "request" });
    await Promise.all([a.next("response"), b.next("response")]);
    a.send({ type: "message", message: `hello ${round}` });
    assert.deepEqual(await b.next("message"), {
      type: "message",
      message: `hello ${round}`,
      from: "guest",
      seq: 1,
    });
    assert.equal((await a.next("message")).from, "me");
    // Next: this tab leaves, the other is closed with 4000.
    await a.close();
    assert.equal((await b.closed).code, 4000);
  }
});

Deno.test("on a real server, a bot address keeping a socket queued meets few of the visitors arriving every 400 ms (MAX_PAIRINGS_PER_MINUTE=3)", async () => {
  // Addresses come from X-Forwarded-For (TRUST_PROXY), one per visitor.
  const server = await startTestServer({
    trustProxy: "x-forwarded-for",
    maxPairingsPerMinute: 3,
  });
  const port = server.handle.port;
  const connect = (address: string) =>
    RawSocket.connect(port, { headers: { "X-Forwarded-For": address } });
  const say = (socket: RawSocket, message: string) =>
    socket.sendText(JSON.stringify({ type: "message", message }));
  let running = true;
  let botMet = 0;
  const bot = (async () => {
    while (running) {
      const socket = await connect("203.0.113.7");
      await socket.sendText('{"type":"request"}');
      const paired = await within(socket.nextJson("response"), 15_000, "bot")
        .catch(() => null);
      if (paired) {
        botMet++;
        await say(socket, "bot");
        await socket.nextJson("message"); // the echo
      }
      socket.drop();
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 200)); // the bot queues first
    const visitors: Promise<string | null>[] = [];
    for (let i = 0; i < 25; i++) {
      visitors.push((async () => {
        const socket = await connect(`198.51.100.${i + 1}`);
        await socket.sendText('{"type":"request"}');
        const paired = await within(socket.nextJson("response"), 8000, "pair")
          .catch(() => null);
        if (!paired) {
          socket.drop();
          return null;
        }
        await say(socket, "human");
        let heard: string | null = null;
        while (heard === null) {
          const frame = await socket.nextJson("message");
          if (!frame) break;
          if (frame.from === "guest") heard = String(frame.message);
        }
        socket.drop();
        return heard;
      })());
      await new Promise((r) => setTimeout(r, 400));
    }
    const met = (await Promise.all(visitors)).filter((m) => m !== null);
    const humans = met.filter((m) => m === "human").length;
    console.log(
      `${met.length} visitors paired: ${humans} with each other, ${
        met.length - humans
      } with the bot`,
    );
    assert.ok(met.length >= 20, `only ${met.length} paired`);
    assert.ok(humans / met.length >= 0.8, `${humans} of ${met.length}`);
    assert.ok(botMet <= 3, `the bot met ${botMet}`);
  } finally {
    running = false;
    await server.stop();
    await bot.catch(() => {});
  }
});
