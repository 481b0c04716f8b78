/**
 * The Deno KV backend at the switchboard level: switchboards with their own
 * handles on one KV file stand for processes sharing it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KvBackend } from "../lib/backends/kv.ts";
import { Switchboard } from "../lib/pairing.ts";
import { Visitor } from "./board_visitor.ts";
import { until } from "./redis_helper.ts";

async function cluster(instances: number) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  const boards: Switchboard[] = [];
  const backends: KvBackend[] = [];
  for (let i = 0; i < instances; i++) {
    const counted: { board?: Switchboard } = {};
    const backend = await KvBackend.open(path, {
      localCount: () => counted.board?.connected ?? 0,
    });
    const board = new Switchboard({ backend, onlineInterval: 50 });
    counted.board = board;
    boards.push(board);
    backends.push(backend);
  }
  return {
    boards,
    backends,
    async close() {
      for (const board of boards) {
        board.closeAll(1001, "server_shutdown");
        board.dispose();
      }
      await new Promise((r) => setTimeout(r, 10));
      await Promise.all(backends.map((b) => b.close()));
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("KvBackend pairs visitors of two instances and relays both ways", async () => {
  const c = await cluster(2);
  try {
    const a = new Visitor(c.boards[0]);
    const b = new Visitor(c.boards[1]);
    a.request();
    await until(() => a.session.state === "waiting", 2000, "a waits");
    b.request();
    await until(() => a.paired && b.paired, 2000, "paired");
    assert.equal(a.session.partner, b.session.id);
    assert.equal(b.session.partner, a.session.id);
    a.say("one");
    a.say("two");
    b.say("three");
    await until(() => b.heard().length === 2 && a.heard().length === 1);
    assert.deepEqual(b.heard(), ["one", "two"]);
    assert.deepEqual(a.heard(), ["three"]);
    b.board.leave(b.session);
    await until(() => a.closed !== undefined, 2000, "partner closed");
    assert.deepEqual(a.closed, { code: 4000, reason: "partner_left" });
  } finally {
    await c.close();
  }
});

Deno.test("KvBackend makes exactly 60 pairs of 120 joiners on 3 instances", async () => {
  const c = await cluster(3);
  try {
    const visitors: Visitor[] = [];
    for (let i = 0; i < 120; i++) visitors.push(new Visitor(c.boards[i % 3]));
    for (const v of visitors) v.request();
    await until(() => visitors.every((v) => v.paired), 15_000, "all paired");
    const byId = new Map(visitors.map((v) => [v.session.id, v]));
    const pairs = new Set<string>();
    for (const v of visitors) {
      const partner = byId.get(v.session.partner!);
      assert.ok(partner && partner !== v);
      assert.equal(partner.session.partner, v.session.id);
      pairs.add([v.session.id, partner.session.id].sort().join(" "));
    }
    assert.equal(pairs.size, 60);
    for (const v of visitors) v.say("ping");
    await until(() => visitors.every((v) => v.heard().length === 1), 5000);
    await until(() => c.boards.every((b) => b.online === 120), 3000, "online");
  } finally {
    await c.close();
  }
});

Deno.test("KvBackend closes partners of a stopped instance with 4000", async () => {
  const c = await cluster(2);
  try {
    const a = new Visitor(c.boards[0]);
    const b = new Visitor(c.boards[1]);
    a.request();
    await until(() => a.session.state === "waiting");
    b.request();
    await until(() => a.paired && b.paired);
    c.boards[1].dispose();
    await c.backends[1].close();
    // close() says goodbye; the sweep of the survivor notices at once.
    await until(() => a.closed !== undefined, 5000, "closed");
    assert.deepEqual(a.closed, { code: 4000, reason: "partner_left" });
  } finally {
    await c.close();
  }
});
