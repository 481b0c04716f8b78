/**
 * The Redis backend at the switchboard level: several switchboards in one
 * process stand for several instances, each with its own connections to one
 * real `redis-server`, and peers are plain objects that record frames. Its
 * `match` is also called directly, against the contract and the memory
 * backend, with the keys it leaves in Redis read back.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  RedisBackend,
  type RedisBackendOptions,
} from "../lib/backends/redis.ts";
import { MATCH_SCAN } from "../lib/backends/redis_scripts.ts";
import { matchTicket } from "../lib/matching.ts";
import {
  breakUp,
  churn,
  type Cluster,
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
import {
  HAS_REDIS,
  redisCommand,
  type RedisServer,
  startRedis,
} from "./support/redis.ts";
import { until } from "./support/wait.ts";

/** A fresh `redis-server` of our own, which the test may stop and restart. */
interface RedisStore extends Store<RedisBackend> {
  redis: RedisServer;
}

async function redisStore(
  options: RedisBackendOptions = {},
): Promise<RedisStore> {
  const redis = await startRedis();
  return {
    redis,
    open: () => RedisBackend.connect(redis.url, options),
    remove: () => redis.stop(),
  };
}

const REDIS = { store: () => redisStore(), ignore: !HAS_REDIS };

/** Every key of the default prefix, sorted. */
async function redisKeys(port: number): Promise<string[]> {
  const json = await redisCommand(
    port,
    `EVAL "return cjson.encode(redis.call('KEYS', 'strangers:*'))" 0`,
  );
  // cjson writes an empty list as `{}`.
  const keys = JSON.parse(json);
  return Array.isArray(keys) ? keys.sort() : [];
}

/** The keys of the queue in Redis: all but the instances' liveness and counts. */
async function leftovers(c: Cluster<RedisStore>): Promise<string[]> {
  const fixed = /^strangers:(alive:[0-9a-z]+|online)$/;
  return (await redisKeys(c.store.redis.port)).filter((k) => !fixed.test(k));
}

clusterTest(
  "RedisBackend pairs visitors of two instances and relays both ways",
  { ...REDIS, instances: 2 },
  async (c) => {
    const [a, b] = await pair([c.boards[0], c.boards[1]], 2000);
    assert.notEqual(a.session.id.split(":")[0], b.session.id.split(":")[0]);
    a.say("hello from one");
    b.say("hello from two");
    await until(() => a.heard().length === 1 && b.heard().length === 1);
    assert.deepEqual(b.heard(), ["hello from one"]);
    assert.deepEqual(a.heard(), ["hello from two"]);
    c.boards[1].handle(b.session, { type: "typing", on: true });
    await until(() => a.frames.some((f) => f.type === "typing" && f.on));
    assert.equal(c.backends[0].crossPairs, 1);
    assert.equal(c.backends[1].crossPairs, 1);
  },
);

clusterTest(
  "RedisBackend: joins on one instance reach the online count on another",
  { ...REDIS, instances: 2 },
  async (c) => {
    const watcher = new Visitor(c.boards[0]);
    const online = () =>
      watcher.frames.filter((f) => f.type === "online").at(-1)?.count;
    await until(() => online() === 1, 3000, "online 1");
    const others = [1, 2, 3].map(() => new Visitor(c.boards[1]));
    // Nothing changes on instance 0; the count still arrives there.
    await until(() => online() === 4, 5000, "online 4");
    for (const v of others) v.leave();
    await until(() => online() === 1, 5000, "online 1 again");
  },
);

clusterTest(
  "RedisBackend serves waiters first come, first served across instances",
  { ...REDIS, instances: 2 },
  async (c) => {
    const [one, two] = c.boards;
    const gone = new Visitor(one);
    gone.request();
    await until(() => gone.session.state === "waiting");
    gone.leave();
    // The waiter who left must not be handed out.
    await new Promise((r) => setTimeout(r, 50));
    const order = [
      new Visitor(two),
      new Visitor(one),
      new Visitor(one),
      new Visitor(two),
      new Visitor(two),
      new Visitor(two),
    ];
    for (const v of order) {
      v.request();
      await until(() => v.session.state !== "matching", 2000, "answered");
    }
    await until(() => order.every((v) => v.paired), 2000, "all paired");
    for (let i = 0; i < order.length; i += 2) {
      assert.equal(order[i].session.partner, order[i + 1].session.id);
      assert.equal(order[i + 1].session.partner, order[i].session.id);
    }
  },
);

clusterTest(
  "RedisBackend closes the partner on another instance with 4000",
  { ...REDIS, instances: 2 },
  async (c) => {
    const [a, b] = await pair([c.boards[0], c.boards[1]]);
    b.leave();
    await until(() => a.closed !== undefined, 2000, "partner closed");
    assert.deepEqual(a.closed, { code: 4000, reason: "partner_left" });
    await until(() => c.backends[0].crossPairs === 0);
  },
);

clusterTest(
  "RedisBackend makes exactly 150 pairs of 300 joiners on 3 instances",
  { ...REDIS, instances: 3 },
  async (c) => {
    const visitors: Visitor[] = [];
    for (let i = 0; i < 300; i++) {
      visitors.push(new Visitor(c.boards[i % 3]));
    }
    for (const [i, v] of visitors.entries()) {
      v.request();
      // Let the three connections interleave, as separate servers would.
      if (i % 3 === 2) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => visitors.every((v) => v.paired), 10_000, "all paired");
    const byId = new Map(visitors.map((v) => [v.session.id, v]));
    const pairs = new Set<string>();
    let cross = 0;
    for (const v of visitors) {
      assert.equal(v.frames.filter((f) => f.type === "response").length, 1);
      const partner = byId.get(v.session.partner!);
      assert.ok(partner, "partner is one of the joiners");
      assert.notEqual(partner, v);
      assert.equal(partner.session.partner, v.session.id);
      pairs.add([v.session.id, partner.session.id].sort().join(" "));
      if (partner.board !== v.board) cross++;
    }
    assert.equal(pairs.size, 150);
    assert.ok(cross > 0, "some pairs span instances");
    // Every pair relays.
    for (const v of visitors) v.say("ping");
    await until(
      () => visitors.every((v) => v.heard().length === 1),
      5000,
      "relayed",
    );
    // The count is cluster-wide once the heartbeats have gone round.
    await until(
      () => c.boards.every((b) => b.online === 300),
      3000,
      "online 300",
    );
  },
);

clusterTest(
  "RedisBackend closes partners of a dead instance with 4000 within 5 s",
  { ...REDIS, instances: 2 },
  async (c) => {
    const [one, two] = c.boards;
    const [a] = await pair([one, two]);
    const waiter = new Visitor(two);
    waiter.request();
    await until(() => waiter.session.state === "waiting");
    c.backends[1].abandon();
    two.dispose();
    const took = await until(() => a.closed !== undefined, 5000, "closed");
    assert.deepEqual(a.closed, { code: 4000, reason: "partner_left" });
    assert.ok(took <= 5000);
    // The dead instance's waiter is out of the queue: a newcomer waits.
    const late = new Visitor(one);
    late.request();
    await until(() => late.session.state !== "matching");
    assert.equal(late.session.state, "waiting");
    await until(
      () => one.online === one.connected,
      3000,
      "dead instance not counted",
    );
  },
);

clusterTest(
  "RedisBackend outage: unavailable fast, local pairs go on, then heals",
  { ...REDIS, instances: 2 },
  async (c, t) => {
    const [one, two] = c.boards;
    const [l1, l2] = await pair([one, one]);
    const [x1, x2] = await pair([one, two]);
    const waiter = new Visitor(two);
    waiter.request();
    await until(() => waiter.session.state === "waiting");

    await t.step("redis stops: cross pairs close with 1011", async () => {
      await c.store.redis.stop();
      await until(() => x1.closed !== undefined && x2.closed !== undefined);
      assert.deepEqual(x1.closed, {
        code: 1011,
        reason: "backend_unavailable",
      });
      assert.deepEqual(x2.closed, {
        code: 1011,
        reason: "backend_unavailable",
      });
      // The waiter is told pairing is unavailable.
      await until(() => waiter.errors().includes("unavailable"));
    });

    await t.step("a request is answered unavailable within 2 s", async () => {
      const v = new Visitor(two);
      const start = Date.now();
      v.request();
      await until(() => v.errors().length > 0, 2000, "error frame");
      assert.deepEqual(v.errors(), ["unavailable"]);
      assert.ok(Date.now() - start < 2000);
      assert.equal(v.session.state, "fresh");
    });

    await t.step("local pairs keep chatting", async () => {
      l1.say("still here");
      l2.say("me too");
      await until(() => l1.heard().length === 1 && l2.heard().length === 1);
      assert.equal(l1.closed, undefined);
    });

    await t.step("redis returns: new pairs form, no restart", async () => {
      await c.store.redis.restart();
      await until(
        () => c.backends.every((b) => b.available),
        5000,
        "reconnected",
      );
      const [p, q] = await pair([one, two], 2000);
      p.say("back");
      await until(() => q.heard().length === 1);
      // The waiter from before the outage asks again and pairs too.
      const r = new Visitor(two);
      r.request();
      await until(() => r.session.state === "waiting");
      waiter.request();
      await until(() => waiter.paired && r.paired, 2000, "old waiter");
    });
  },
);

clusterTest(
  "RedisBackend counts the deliveries it cannot make as lost",
  { ...REDIS, instances: 2 },
  async (c, t) => {
    const [one, two] = c.boards;
    const [a, b] = await pair([one, two]);

    await t.step("to an instance nobody listens for", async () => {
      c.backends[0].deliver("gone0000:0", { kind: "frame", frame: "{}" });
      await until(() => one.stats.deliveriesLost === 1, 2000, "counted");
      a.say("still heard");
      await until(() => b.heard().length === 1);
      assert.equal(one.stats.deliveriesLost, 1, "a delivery heard is not lost");
    });

    await t.step("a frame while Redis is away", async () => {
      await c.store.redis.stop();
      await until(() => !c.backends[0].available, 5000, "redis down");
      c.backends[0].deliver(b.session.id, { kind: "frame", frame: "{}" });
      assert.equal(one.stats.deliveriesLost, 2);
    });
  },
);

clusterTest(
  "RedisBackend's match script skips recent partners, from either side, across instances",
  { ...REDIS, instances: 3 },
  async (c, t) => {
    const [zero, one, two] = c.boards;
    const bot = new Visitor(zero, { group: "203.0.113.7" });
    await breakUp(bot, new Visitor(one, { group: "198.51.100.1" }));

    const bot2 = new Visitor(zero, { group: "203.0.113.7" });
    const v2 = new Visitor(one, { group: "198.51.100.1" });
    await t.step(
      "the visitor's next request skips the bot's new socket",
      async () => {
        bot2.request();
        await until(() => bot2.session.state === "waiting");
        v2.request();
        await until(() => v2.session.state === "waiting", 2000, "v2 queued");
        const w = new Visitor(two, { group: "192.0.2.9" });
        w.request();
        await until(() => w.paired && bot2.paired, 2000, "w meets the bot");
        assert.equal(w.session.partner, bot2.session.id);
        assert.equal(v2.session.state, "waiting");
      },
    );
    await t.step(
      "a waiter's stored ticket keeps out a requester who does not know it",
      async () => {
        // Instance two never saw the bot meet anyone: only the ticket v2
        // waits with in Redis says no.
        const bot3 = new Visitor(two, { group: "203.0.113.7" });
        bot3.request();
        await until(
          () => bot3.session.state === "waiting",
          2000,
          "bot3 queued",
        );
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(bot3.paired, false);
        assert.equal(v2.paired, false);
      },
    );
    await t.step("no ticket outlives its waiter", async () => {
      for (const board of c.boards) {
        for (const session of [...board.sessions()]) board.leave(session);
      }
      // Leaving unqueues in the background: give it a moment.
      await new Promise((r) => setTimeout(r, 200));
      const left = await redisCommand(
        c.store.redis.port,
        "HLEN strangers:tickets",
      );
      assert.equal(left, ":0");
    });
  },
);

clusterTest(
  "RedisBackend: a line is echoed once Redis took it; lines Redis never took are reported, not echoed",
  { ...REDIS, instances: 2 },
  async (c) => {
    const [a, b] = await pair([c.boards[0], c.boards[1]], 2000);
    const mine = () =>
      a.frames.filter((f) => f.type === "message" && f.from === "me")
        .map((f) => f.message);
    a.say("one");
    await until(() => b.heard().length === 1 && mine().length === 1);
    const pid = c.store.redis.pid;
    Deno.kill(pid, "SIGSTOP");
    try {
      a.say("two");
      a.say("three");
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(mine(), ["one"], "not echoed while Redis holds them");
      await until(() => a.closed !== undefined, 8000, "1011");
      assert.equal(a.closed?.code, 1011);
      assert.deepEqual(mine(), ["one"]);
      assert.deepEqual(a.errors(), ["not_delivered"]);
      assert.match(
        String(a.frames.find((f) => f.type === "error")?.reason),
        /2 lines/,
      );
    } finally {
      Deno.kill(pid, "SIGCONT");
    }
  },
);

clusterTest(
  "RedisBackend.match() keeps the contract: keys, tiers, again, avoid, look",
  { ...REDIS, instances: 2 },
  async (c, t) => {
    await matchContract(t, c.backends, {
      scan: MATCH_SCAN,
      leftovers: () => leftovers(c),
    });
  },
);

clusterTest(
  "RedisBackend.match() answers as MemoryBackend does, request by request",
  { ...REDIS, instances: 3 },
  async (c) => {
    await sameAsMemory(c.backends, 14);
    assert.deepEqual(await leftovers(c), []);
  },
);

clusterTest(
  "RedisBackend pairs by interest across instances and tells both what they share",
  { ...REDIS, instances: 2 },
  interestsAcrossInstances,
);

clusterTest(
  "RedisBackend pairs 300 visitors with random interests on 3 instances, each once",
  { ...REDIS, instances: 3, board: { matchFallback: 1 } },
  (c) => crowdWithInterests(c, 300, 0x5eed),
);

clusterTest(
  "RedisBackend keeps no key of 2,000 interests churned through its queue",
  { ...REDIS, instances: 2 },
  async (c) => {
    const staying = await churn(c.backends, 2000);
    const instance = c.backends[1].instance;
    assert.deepEqual(
      await leftovers(c),
      [
        ...staying.flatMap((id) => {
          const interest = `x${id.slice(id.indexOf(":w") + 2)}`;
          return [
            `strangers:k:i:?:${interest}`,
            `strangers:k:i:en:${interest}`,
          ];
        }),
        "strangers:tickets",
        `strangers:waiters:${instance}`,
      ].sort(),
      "only those who stay",
    );
    // Those who stay leave every key with their instance.
    await c.backends[1].close();
    assert.deepEqual(await leftovers(c), []);
  },
);

clusterTest(
  "RedisBackend drops a dead instance's waiters from every key they are listed under",
  { ...REDIS, instances: 2 },
  async (c) => {
    const dying = c.backends[1];
    let since = Date.now();
    for (let i = 0; i < 20; i++) {
      // They avoid each other, so that all wait under the key they share.
      const ticket = matchTicket(
        { identity: "D", avoid: ["D"], since: ++since },
        { interests: [`y${i}`, "shared"], lang: "de", strict: false },
      );
      assert.equal(await dying.match(`${dying.idPrefix}${i}`, ticket), null);
    }
    // Two keys of its own each, two shared, the tickets and the waiter set.
    assert.equal((await leftovers(c)).length, 20 * 2 + 2 + 2);
    dying.abandon();
    // Nothing is left once the survivor's heartbeat finds it dead.
    const start = Date.now();
    while ((await leftovers(c)).length > 0) {
      assert.ok(Date.now() - start < 6000, "dropped within 6 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  },
);

clusterTest(
  "RedisBackend.match() drops the waiters of a dead instance it meets",
  { ...REDIS, instances: 2 },
  (c) => deadWaiterDropped(c.backends, () => leftovers(c)),
);

clusterTest(
  "RedisBackend.match() prefers a waiter of its own instance within the local window",
  { ...REDIS, store: () => redisStore({ localWindow: 50 }), instances: 2 },
  (c, t) => localWindowContract(t, c.backends, 50, () => leftovers(c)),
);

clusterTest(
  "RedisBackend.match() with no local window takes the longest waiter",
  { ...REDIS, instances: 2 },
  (c, t) => localWindowContract(t, c.backends, 0, () => leftovers(c)),
);

clusterTest(
  "RedisBackend answers a burst of 20,000 requests in turn, none refused for the backlog",
  { ...REDIS, store: () => redisStore({ timeout: 300 }), instances: 1 },
  async (c) => {
    // Sent all at once, 20,000 scripts take Redis far longer than 300 ms;
    // each waits its turn here, and the timeout counts from its sending.
    const [backend] = c.backends;
    let since = Date.now();
    const asks = Array.from({ length: 20_000 }, (_, i) =>
      backend.match(
        `${backend.idPrefix}b${i}`,
        matchTicket(
          { identity: `v${i}`, avoid: [], since: ++since },
          { interests: [], lang: "en", strict: false },
        ),
      ));
    const settled = await Promise.allSettled(asks);
    const refused = settled.filter((s) => s.status === "rejected").length;
    assert.equal(refused, 0, `${refused} of 20,000 refused`);
    const paired =
      settled.filter((s) => s.status === "fulfilled" && s.value !== null)
        .length;
    assert.equal(paired, 10_000, "every other one takes the one before");
    assert.equal(backend.available, true);
  },
);
