import assert from "node:assert/strict";
import { pair, startTestServer, TestClient } from "./helpers.ts";

// A refusal is answered once a second per code: each probe of `settled`
// uses the next code, so a test may settle one socket a few times at once.
const PROBES: [string, string][] = [
  ["ping?", "bad_json"],
  ["[]", "bad_frame"],
  ['{"type":"ping?"}', "unknown_type"],
];
let probes = 0;

/** Resolves once the server has handled every frame `client` sent so far. */
async function settled(client: TestClient): Promise<void> {
  const [probe, code] = PROBES[probes++ % PROBES.length];
  client.send(probe);
  const frame = await client.next("error");
  assert.equal(frame.code, code);
}

Deno.test("/ws: two clients pair, chat, type, and one leaving closes the other with 4000", async () => {
  await using server = await startTestServer();
  const [a, b] = await pair(server.wsUrl);
  const online = await a.next("online");
  assert.equal(online.count, 2);

  a.send({ type: "message", message: "hello\nworld" });
  assert.deepEqual(await a.next("message"), {
    type: "message",
    message: "hello\nworld",
    from: "me",
    seq: 1,
  });
  assert.deepEqual(await b.next("message"), {
    type: "message",
    message: "hello\nworld",
    from: "guest",
    seq: 1,
  });

  b.send({ type: "typing", on: true });
  assert.deepEqual(await a.next("typing"), { type: "typing", on: true });
  b.send({ type: "typing", on: false });
  assert.deepEqual(await a.next("typing"), { type: "typing", on: false });

  await a.close();
  assert.deepEqual(await b.closed, { code: 4000, reason: "partner_left" });
});

Deno.test("/ws: three clients — the third waits, survives the first pair ending, pairs with a fourth", async () => {
  await using server = await startTestServer();
  const [first, second] = await pair(server.wsUrl);
  const third = await TestClient.open(server.wsUrl);
  third.send({ type: "request" });
  await settled(third);
  assert.equal(third.pending("response").length, 0);

  await first.close();
  assert.equal((await second.closed).code, 4000);
  await settled(third);
  assert.equal(third.socket.readyState, WebSocket.OPEN);
  assert.equal(third.pending("response").length, 0);

  const fourth = await TestClient.open(server.wsUrl);
  fourth.send({ type: "request" });
  await Promise.all([third.next("response"), fourth.next("response")]);
  fourth.send({ type: "message", message: "hi third" });
  assert.equal((await third.next("message")).message, "hi third");
  await third.close();
  assert.equal((await fourth.closed).code, 4000);
});

Deno.test("/ws: 200 clients at once make exactly 100 pairs, each proved by a relayed line", async () => {
  await using server = await startTestServer({
    maxSocketsPerIp: 0,
    maxHandshakesPerMinute: 0,
    powMode: "off",
    maxPairingsPerMinute: 0,
  });
  const clients = await Promise.all(
    Array.from({ length: 200 }, () => TestClient.open(server.wsUrl)),
  );
  for (const c of clients) c.send({ type: "request" });
  await Promise.all(clients.map((c) => c.next("response")));
  // Each says its own index; whoever hears it is its partner.
  clients.forEach((c, i) => c.send({ type: "message", message: String(i) }));
  const heard = await Promise.all(clients.map(async (c, i) => {
    const frames = [await c.next("message"), await c.next("message")];
    const mine = frames.find((f) => f.from === "me");
    const theirs = frames.find((f) => f.from === "guest");
    assert.equal(mine?.message, String(i));
    return Number(theirs?.message);
  }));
  heard.forEach((partner, i) => {
    assert.notEqual(partner, i, "paired with self");
    assert.equal(heard[partner], i, "pairing is mutual and unique");
  });
  assert.equal(server.handle.state.switchboard.stats.pairsMade, 100);
  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("/ws: every bad input gets its error frame while another pair keeps chatting", async () => {
  await using server = await startTestServer({
    rateBurst: 100,
    rateMessages: 100,
  });
  const [x, y] = await pair(server.wsUrl);
  const cases: [unknown, string][] = [
    ["{not json", "bad_json"],
    ["[1,2,3]", "bad_frame"],
    ['"just a string"', "bad_frame"],
    [{ no: "type" }, "bad_frame"],
    [{ type: 12 }, "bad_frame"],
    [{ type: "dance" }, "unknown_type"],
    [{ type: "message", message: 42 }, "bad_frame"],
    [{ type: "message", message: "too early" }, "not_paired"],
    [{ type: "typing", on: true }, "not_paired"],
    [{ type: "typing", on: "yes" }, "bad_frame"],
    [{ type: "message", message: "   " }, "empty_message"],
    [
      { type: "message", message: "\u200B\u3164\u2800\u202E" },
      "empty_message",
    ],
    [{ type: "message", message: "x".repeat(2001) }, "message_too_long"],
  ];
  for (const [frame, code] of cases) {
    // One socket per case: a code is answered at most once a second.
    const bad = await TestClient.open(server.wsUrl);
    bad.send(frame);
    const error = await bad.next("error");
    assert.equal(error.code, code, JSON.stringify(frame).slice(0, 50));
    assert.equal(typeof error.reason, "string");
    x.send({ type: "message", message: `still here ${code}` });
    assert.equal((await x.next("message")).from, "me");
    assert.equal((await y.next("message")).message, `still here ${code}`);
    await bad.close();
  }
  const bad = await TestClient.open(server.wsUrl);
  bad.socket.send(new Uint8Array([1, 2, 3]));
  assert.equal((await bad.next("error")).code, "binary_not_supported");

  bad.send({ type: "request" });
  bad.send({ type: "request" });
  assert.equal((await bad.next("error")).code, "already_requested");
  bad.send({ type: "message", message: "while waiting" });
  assert.equal((await bad.next("error")).code, "not_paired");
  assert.equal(bad.socket.readyState, WebSocket.OPEN);

  // The same mistake again and again is answered once, not frame by frame.
  for (let i = 0; i < 50; i++) bad.send("{not json");
  bad.send({ type: "dance" });
  assert.equal((await bad.next("error")).code, "bad_json");
  assert.equal((await bad.next("error")).code, "unknown_type");
  assert.equal(bad.pending("error").length, 0);
  assert.equal(
    server.handle.state.metrics.rejected.get("bad_json"),
    51,
    "every refusal is still counted",
  );

  y.send({ type: "message", message: "pair unharmed" });
  assert.equal((await x.next("message")).message, "pair unharmed");
  await Promise.all([x.close(), bad.close()]);
  await y.closed;
});

Deno.test("/ws: a waiter who leaves is dropped from the queue", async () => {
  await using server = await startTestServer();
  const gone = await TestClient.open(server.wsUrl);
  gone.send({ type: "request" });
  await settled(gone);
  await gone.close();
  const [a, b] = await pair(server.wsUrl);
  a.send({ type: "message", message: "we are the pair" });
  assert.equal((await b.next("message")).message, "we are the pair");
  await a.close();
  await b.closed;
});

Deno.test("/ws: online counts are pushed, coalesced, to everyone", async () => {
  await using server = await startTestServer();
  const watcher = await TestClient.open(server.wsUrl);
  const others = await Promise.all(
    Array.from({ length: 5 }, () => TestClient.open(server.wsUrl)),
  );
  const first = await watcher.next("online", 3000);
  assert.equal(first.count, 6);
  assert.equal(
    watcher.pending("online").length,
    0,
    "one frame for six joins",
  );
  await Promise.all(others.map((c) => c.close()));
  const second = await watcher.next("online", 3000);
  assert.equal(second.count, 1);
  await watcher.close();
});

Deno.test("/ws: a page that says presence stays past the request timeout, is counted and pushed, then chats", async (t) => {
  await using server = await startTestServer({ requestTimeout: 0.3 });
  const page = await TestClient.open(server.wsUrl);
  page.send({ type: "presence" });
  assert.deepEqual(await page.next("online"), { type: "online", count: 1 });

  await t.step(
    "a socket without presence is still closed with 4001",
    async () => {
      const silent = await TestClient.open(server.wsUrl);
      assert.deepEqual(await silent.closed, {
        code: 4001,
        reason: "request_timeout",
      });
    },
  );

  await t.step("the page outlives the request timeout", async () => {
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(page.socket.readyState, WebSocket.OPEN);
    page.send({ type: "presence" });
    assert.equal((await page.next("error")).code, "already_present");
  });

  await t.step(
    "it is counted and pushed the count when a visitor joins",
    async () => {
      while (page.pending("online").length) await page.next("online");
      const visitor = await TestClient.open(server.wsUrl);
      let online = await page.next("online", 3000);
      // The 4001 socket's leave may be pushed first.
      while (online.count !== 2) online = await page.next("online", 3000);
      assert.equal(server.handle.state.switchboard.online, 2);

      visitor.send({ type: "request" });
      page.send({ type: "request" });
      await Promise.all([page.next("response"), visitor.next("response")]);
      page.send({ type: "message", message: "hello from the idle screen" });
      assert.equal(
        (await visitor.next("message")).message,
        "hello from the idle screen",
      );
      await visitor.close();
      assert.equal((await page.closed).code, 4000);
    },
  );
});
