import assert from "node:assert/strict";
import {
  type Backend,
  type BackendHost,
  type Delivery,
  EVERYWHERE,
  type MatchTicket,
} from "./backends/backend.ts";
import { MemoryBackend } from "./backends/memory.ts";
import { ANSWER_MS } from "./handover.ts";
import { Switchboard } from "./pairing.ts";
import { FakeClock } from "../tests/support/clock.ts";
import { BoardSocket as FakeSocket } from "../tests/support/board_socket.ts";

type Frame = Record<string, unknown>;

/**
 * Instances on one bus, as on a shared store: each pairs in its own
 * queue, and deliveries reach the instance an id names (or all), a
 * microtask later. `down` instances hear nothing, and what is sent to
 * them is lost.
 */
class Bus {
  hosts = new Map<string, BackendHost>();
  down = new Set<string>();

  backend(name: string): Backend {
    const queue = new MemoryBackend();
    return {
      kind: "redis",
      shared: true,
      idPrefix: name + ":",
      match: (id: string, ticket: MatchTicket) => queue.match(id, ticket),
      unqueue: (id: string) => queue.unqueue(id),
      deliver: (to: string, delivery: Delivery) => {
        const names = to === EVERYWHERE
          ? [...this.hosts.keys()]
          : [to.slice(0, to.indexOf(":"))];
        for (const instance of names) {
          if (this.down.has(instance)) {
            this.hosts.get(name)!.lost(to, delivery);
            continue;
          }
          queueMicrotask(() => this.hosts.get(instance)?.receive(to, delivery));
        }
      },
      attach: (host: BackendHost) => void this.hosts.set(name, host),
      online: () => undefined,
      close() {},
    };
  }
}

const settled = () => new Promise((r) => setTimeout(r, 0));

/** Two boards on one bus; `v` and `p` chat on `a`, resumable. */
async function twoInstances() {
  const bus = new Bus();
  const clock = new FakeClock();
  const a = new Switchboard({ backend: bus.backend("a"), clock });
  const b = new Switchboard({ backend: bus.backend("b"), clock });
  const v = new FakeSocket(a);
  const p = new FakeSocket(a);
  for (const s of [v, p]) {
    a.handle(s.session, { type: "request", resume: true });
    await settled();
  }
  const token = v.frames.find((f) => f.type === "response")!.resume as string;
  assert.ok(token);
  return { bus, clock, a, b, v, p, token };
}

Deno.test("Switchboard hands a chat resumed on another instance over, lines and all", async () => {
  const { a, b, v, p, token } = await twoInstances();
  a.handle(p.session, { type: "message", message: "p1" });
  a.drop(v.session);
  a.handle(p.session, { type: "message", message: "p2" });
  const fresh = new FakeSocket(b);
  const resumed = b.resume(fresh.session, { type: "resume", token, seen: 0 });
  assert.equal(await resumed, fresh.session);
  assert.deepEqual(fresh.types(), ["resumed", "message", "message"]);
  assert.deepEqual(fresh.lines(), [1, 2]);
  await settled();
  assert.deepEqual(p.types().filter((t) => t.startsWith("partner")), [
    "partner_away",
    "partner_back",
  ]);
  assert.equal(p.session.partner, fresh.session.id, "p heard moved");
  assert.equal(a.chatting, 1);
  assert.equal(b.chatting, 1);

  // The chat goes on both ways; then v leaves and p hears 4000.
  a.handle(p.session, { type: "message", message: "p3" });
  b.handle(fresh.session, { type: "message", message: "v1", seq: 1 });
  await settled();
  assert.deepEqual(fresh.lines(), [1, 2, 3]);
  assert.deepEqual(p.lines(), [1]);
  fresh.close(1000);
  await settled();
  assert.equal(p.closedWith, 4000);
});

Deno.test("Switchboard refuses a resume no instance holds once ANSWER_MS passed", async () => {
  const { b, clock } = await twoInstances();
  const fresh = new FakeSocket(b);
  const resumed = b.resume(fresh.session, {
    type: "resume",
    token: "x".repeat(24),
    seen: 0,
  });
  await settled();
  assert.equal(fresh.closedWith, null, "it waits for an answer");
  clock.advance(ANSWER_MS);
  assert.equal(await resumed, null);
  assert.equal(fresh.closedWith, 4005);
  assert.match(String(fresh.frames[0].reason), /unknown or expired/);
});

Deno.test("Switchboard tells the partner when the chat it handed over was lost on the way", async () => {
  const { bus, a, b, v, p, token } = await twoInstances();
  a.drop(v.session);
  const fresh = new FakeSocket(b);
  // B asks, then vanishes before the handover reaches it.
  void b.resume(fresh.session, { type: "resume", token, seen: 0 });
  bus.down.add("b");
  await settled();
  await settled();
  assert.equal(p.closedWith, 4006);
  assert.equal(a.chatting, 0);
});

Deno.test("Switchboard.closeAll() with a restart code pauses resumable chats, hands them over, and closes the rest", async () => {
  const { a, b, v, p, token } = await twoInstances();
  const plain = [new FakeSocket(a), new FakeSocket(a)];
  for (const s of plain) {
    a.handle(s.session, { type: "request" });
    await settled();
  }
  const tokenP = p.frames.find((f) => f.type === "response")!.resume as string;
  a.closeAll(1001, "server_shutdown", 1012);
  assert.deepEqual([v.closedWith, p.closedWith], [1012, 1012]);
  assert.deepEqual(plain.map((s) => s.closedWith), [1001, 1001]);
  assert.equal(a.paused, 2);

  const [v2, p2] = [new FakeSocket(b), new FakeSocket(b)];
  assert.equal(
    await b.resume(v2.session, { type: "resume", token, seen: 0 }),
    v2.session,
  );
  assert.equal(
    await b.resume(p2.session, { type: "resume", token: tokenP, seen: 0 }),
    p2.session,
  );
  await settled();
  assert.equal(a.paused, 0);
  assert.equal(a.chatting, 0);
  assert.equal(v2.session.partner, p2.session.id);
  assert.equal(p2.session.partner, v2.session.id);
  b.handle(v2.session, { type: "message", message: "still here", seq: 1 });
  await settled();
  assert.deepEqual(p2.lines(), [1]);
});
