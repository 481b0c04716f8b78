/**
 * The Deno KV backend at the switchboard level: switchboards with their own
 * handles on one KV file stand for processes sharing it. Its `match` is
 * also called directly, against the contract and the memory backend, with
 * the queue's keys read back from the file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KvBackend, type KvBackendOptions } from "../lib/backends/kv.ts";
import { LOOK } from "../lib/backends/kv_queue.ts";
import {
  breakUp,
  churn,
  clusterTest,
  crowdWithInterests,
  deadWaiterDropped,
  interestsAcrossInstances,
  localWindowContract,
  matchContract,
  pair,
  sameAsMemory,
  type Store,
} from "./backend_fixture.ts";
import { Visitor } from "./board_visitor.ts";
import { until } from "./support/wait.ts";

/** A KV file the instances share, and where it is. */
interface KvStore extends Store<KvBackend> {
  path: string;
}

/** A fresh KV file in a directory of its own. */
async function kvStore(options: KvBackendOptions = {}): Promise<KvStore> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  return {
    path,
    open: () => KvBackend.open(path, options),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

/** The queue's keys in the file, but its version, as `q/k/…` text. */
async function leftovers(store: KvStore): Promise<string[]> {
  const kv = await Deno.openKv(store.path);
  try {
    const keys: string[] = [];
    for await (const entry of kv.list({ prefix: ["q"] })) {
      const key = entry.key.map(String).join("/");
      if (key !== "q/v") keys.push(key);
    }
    return keys;
  } finally {
    kv.close();
  }
}

clusterTest(
  "KvBackend pairs visitors of two instances and relays both ways",
  { store: () => kvStore(), instances: 2 },
  async (c) => {
    const [a, b] = await pair([c.boards[0], c.boards[1]], 2000);
    a.say("one");
    a.say("two");
    b.say("three");
    await until(() => b.heard().length === 2 && a.heard().length === 1);
    assert.deepEqual(b.heard(), ["one", "two"]);
    assert.deepEqual(a.heard(), ["three"]);
    b.board.leave(b.session);
    await until(() => a.closed !== undefined, 2000, "partner closed");
    assert.deepEqual(a.closed, { code: 4000, reason: "partner_left" });
  },
);

clusterTest(
  "KvBackend makes exactly 60 pairs of 120 joiners on 3 instances",
  { store: () => kvStore(), instances: 3 },
  async (c) => {
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
  },
);

clusterTest(
  "KvBackend closes partners of a stopped instance with 4000",
  { store: () => kvStore(), instances: 2 },
  async (c) => {
    const [a] = await pair([c.boards[0], c.boards[1]]);
    c.boards[1].dispose();
    await c.backends[1].close();
    // close() says goodbye; the sweep of the survivor notices at once.
    await until(() => a.closed !== undefined, 5000, "closed");
    assert.deepEqual(a.closed, { code: 4000, reason: "partner_left" });
  },
);

clusterTest(
  "KvBackend counts a delivery after close as lost",
  { store: () => kvStore(), instances: 2 },
  async (c) => {
    const [a] = await pair([c.boards[0], c.boards[1]]);
    await c.backends[0].close();
    a.say("too late");
    assert.equal(c.boards[0].stats.deliveriesLost, 1);
    assert.equal(c.boards[1].stats.deliveriesLost, 0);
  },
);

clusterTest(
  "KvBackend's match skips recent partners, from either side, across instances",
  { store: () => kvStore(), instances: 3 },
  async (c) => {
    const [zero, one, two] = c.boards;
    const bot = new Visitor(zero, { group: "203.0.113.7" });
    await breakUp(bot, new Visitor(one, { group: "198.51.100.1" }));
    // The visitor's next request skips the bot's new socket…
    const bot2 = new Visitor(zero, { group: "203.0.113.7" });
    bot2.request();
    await until(() => bot2.session.state === "waiting");
    const v2 = new Visitor(one, { group: "198.51.100.1" });
    v2.request();
    await until(() => v2.session.state === "waiting", 2000, "v2 queued");
    const w = new Visitor(two, { group: "192.0.2.9" });
    w.request();
    await until(() => w.paired && bot2.paired, 2000, "w meets the bot");
    // …and v2's stored ticket keeps out the bot on an instance that never
    // saw the bot meet v.
    const bot3 = new Visitor(two, { group: "203.0.113.7" });
    bot3.request();
    await until(() => bot3.session.state === "waiting", 2000, "bot3 queued");
    assert.equal(v2.paired, false);
  },
);

clusterTest(
  "KvBackend echoes a line to another instance once it is written",
  { store: () => kvStore(), instances: 2 },
  async (c) => {
    const [a, b] = await pair([c.boards[0], c.boards[1]], 2000);
    a.say("one");
    const mine = () => a.frames.filter((f) => f.from === "me");
    assert.equal(mine().length, 0, "not before the write");
    await until(() => mine().length === 1 && b.heard().length === 1);
  },
);

clusterTest(
  "KvBackend.match() keeps the contract: keys, tiers, again, avoid, look",
  { store: () => kvStore(), instances: 2 },
  async (c, t) => {
    await matchContract(t, c.backends, {
      scan: LOOK,
      leftovers: () => leftovers(c.store),
    });
  },
);

clusterTest(
  "KvBackend.match() answers as MemoryBackend does, request by request",
  { store: () => kvStore(), instances: 3 },
  async (c) => {
    await sameAsMemory(c.backends, 14);
    assert.deepEqual(await leftovers(c.store), []);
  },
);

clusterTest(
  "KvBackend pairs by interest across instances and tells both what they share",
  { store: () => kvStore(), instances: 2 },
  interestsAcrossInstances,
);

clusterTest(
  "KvBackend pairs 300 visitors with random interests on 3 instances, each once",
  { store: () => kvStore(), instances: 3, board: { matchFallback: 1 } },
  (c) => crowdWithInterests(c, 300, 0x5eed, 25_000),
);

clusterTest(
  "KvBackend keeps no key of 2,000 interests churned through its queue",
  { store: () => kvStore(), instances: 2 },
  async (c) => {
    const staying = await churn(c.backends, 2000);
    const keys = await leftovers(c.store);
    // A ticket and two entries (`i:en:…`, `i:?:…`) for each who stays.
    assert.equal(keys.length, staying.length * 3);
    for (const id of staying) {
      const [instance, local] = id.split(":");
      assert.ok(keys.includes(`q/t/${instance}/${local}`));
    }
    // Those who stay leave every key with their instance.
    await c.backends[1].close();
    assert.deepEqual(await leftovers(c.store), []);
  },
);

clusterTest(
  "KvBackend.match() drops the waiters of a dead instance it meets",
  { store: () => kvStore(), instances: 2 },
  (c) => deadWaiterDropped(c.backends, () => leftovers(c.store)),
);

clusterTest(
  "KvBackend.match() prefers a waiter of its own instance within the local window",
  { store: () => kvStore({ localWindow: 50 }), instances: 2 },
  (c, t) => localWindowContract(t, c.backends, 50, () => leftovers(c.store)),
);

clusterTest(
  "KvBackend.match() with no local window takes the longest waiter",
  { store: () => kvStore(), instances: 2 },
  (c, t) => localWindowContract(t, c.backends, 0, () => leftovers(c.store)),
);
