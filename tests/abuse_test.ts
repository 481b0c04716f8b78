import assert from "node:assert/strict";
import { pair, startTestServer, TestClient } from "./helpers.ts";
import { RawSocket, within } from "./security_helpers.ts";

/** Polls `check` every 10 ms until it holds, failing after `ms`. */
async function until(check: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw client that sent `request` and was paired with a TestClient. */
async function rawPair(
  port: number,
  wsUrl: string,
): Promise<[RawSocket, TestClient]> {
  const raw = await RawSocket.connect(port);
  assert.equal(raw.status, 101);
  await raw.sendText('{"type":"request"}');
  const other = await TestClient.open(wsUrl);
  other.send({ type: "request" });
  await other.next("response");
  assert.ok(await raw.nextJson("response"));
  return [raw, other];
}

Deno.test("/ws size: a frame over 16 KiB closes with 1009, the partner gets 4000, the server keeps serving", async (t) => {
  const server = await startTestServer();
  try {
    for (
      const [name, frame] of [
        ["16 KiB + 1 text", "x".repeat(16 * 1024 + 1)],
        ["16 KiB + 1 in UTF-8 only", "é".repeat(8 * 1024 + 1)],
        ["1 MiB text", "x".repeat(1024 * 1024)],
        ["1 MiB binary", new Uint8Array(1024 * 1024)],
      ] as const
    ) {
      await t.step(name, async () => {
        const [a, b] = await pair(server.wsUrl);
        a.socket.send(frame);
        assert.deepEqual(await a.closed, {
          code: 1009,
          reason: "frame_too_large",
        });
        assert.deepEqual(await b.closed, {
          code: 4000,
          reason: "partner_left",
        });
      });
    }
    await t.step(
      "exactly 16 KiB is still a frame (refused by the protocol only)",
      async () => {
        const [a, b] = await pair(server.wsUrl);
        a.send("x".repeat(16 * 1024));
        assert.equal((await a.next("error")).code, "bad_json");
        a.send({ type: "message", message: "still fine" });
        assert.equal((await b.next("message")).message, "still fine");
        await a.close();
        await b.closed;
      },
    );
    assert.equal(
      server.handle.state.metrics.rejected.get("frame_too_large"),
      4,
    );
    assert.equal(server.handle.state.metrics.uncaught, 0);
  } finally {
    await server.stop();
  }
});

Deno.test("/ws rate: a burst past 10 gets rate_limited errors; typing has its own allowance", async () => {
  const server = await startTestServer();
  try {
    const [a, b] = await pair(server.wsUrl);
    const started = performance.now();
    for (let i = 0; i < 20; i++) a.send({ type: "message", message: `m${i}` });
    let relayed = 0;
    let limited = 0;
    while (relayed + limited < 20) {
      const frame = await a.next();
      if (frame.type === "message") relayed++;
      else if (frame.code === "rate_limited") limited++;
      else assert.fail(`unexpected ${JSON.stringify(frame)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    // A burst of 10 (one went on `request`) plus the 5/s refill meanwhile.
    assert.ok(relayed >= 9, `relayed ${relayed}`);
    assert.ok(relayed <= 9 + Math.ceil(seconds * 5), `relayed ${relayed}`);
    assert.ok(limited >= 1);
    for (let i = 0; i < relayed; i++) {
      assert.equal((await b.next("message")).message, `m${i}`);
    }
    // The chat bucket is empty; typing frames still pass on their own.
    b.send({ type: "typing", on: true });
    assert.deepEqual(await a.next("typing"), { type: "typing", on: true });
    for (let i = 0; i < 4; i++) a.send({ type: "typing", on: i % 2 === 0 });
    assert.equal((await b.next("typing")).on, true);
    assert.equal((await b.next("typing")).on, false);
    assert.equal(a.socket.readyState, WebSocket.OPEN);
    await a.close();
    await b.closed;
  } finally {
    await server.stop();
  }
});

Deno.test("/ws rate: typing past its allowance is dropped quietly, not relayed", async () => {
  const server = await startTestServer({
    rateTyping: 1,
    rateBurst: 100,
    rateMessages: 100,
  });
  try {
    const [a, b] = await pair(server.wsUrl);
    for (let i = 0; i < 8; i++) a.send({ type: "typing", on: i % 2 === 0 });
    a.send("not json");
    // Frames are answered in order: a refusal of typing would come first.
    assert.equal((await a.next("error")).code, "bad_json");
    a.send({ type: "message", message: "sync" });
    assert.equal((await b.next("message")).message, "sync");
    const relayed = b.pending("typing").length;
    assert.ok(relayed >= 2 && relayed < 8, `relayed ${relayed} typing frames`);
    await a.close();
    await b.closed;
  } finally {
    await server.stop();
  }
});

/**
 * Sends `burst` messages at once, then one at a time after each answer, so
 * nothing is in flight when the server closes (Deno resets a connection that
 * still has unread frames, and the close code would be lost). Resolves with
 * the close and the rate_limited errors seen.
 */
async function abuse(client: TestClient, burst: number, most: number) {
  let sent = 0;
  let answered = 0;
  let limited = 0;
  const send = () => {
    client.send({ type: "message", message: "spam" });
    sent++;
  };
  for (let i = 0; i < burst; i++) send();
  while (sent < most) {
    let frame;
    try {
      frame = await client.next();
    } catch {
      break;
    }
    answered++;
    if (frame.code === "rate_limited") limited++;
    if (answered === sent) send();
  }
  for (const frame of client.pending("error")) {
    if (frame.code === "rate_limited") limited++;
  }
  return { close: await client.closed, limited, sent };
}

Deno.test("/ws rate: 50 excess frames within 10 s close with 1008; the partner gets 4000", async () => {
  const server = await startTestServer();
  try {
    const [a, b] = await pair(server.wsUrl);
    // 9 tokens are left after `request`: the 59th frame is the 50th excess.
    const { close, limited, sent } = await abuse(a, 59, 200);
    assert.deepEqual(close, { code: 1008, reason: "rate_abuse" });
    assert.equal(limited, 49, "an error for each excess frame but the last");
    assert.ok(sent >= 59 && sent < 200, `${sent}`);
    assert.equal((await b.closed).code, 4000);
    assert.equal(server.handle.state.metrics.rejected.get("rate_abuse"), 1);
  } finally {
    await server.stop();
  }
});

Deno.test("/ws rate: rateAbuseLimit - 1 excess frames are tolerated, the next closes", async () => {
  const server = await startTestServer({ rateAbuseLimit: 5 });
  try {
    const [a, b] = await pair(server.wsUrl);
    const { close, limited } = await abuse(a, 13, 100);
    assert.equal(close.code, 1008);
    assert.equal(limited, 4);
    await b.closed;
  } finally {
    await server.stop();
  }
});

Deno.test("/ws request timeout: a socket that sends no request within requestTimeout is closed with 4001", async () => {
  const server = await startTestServer({ requestTimeout: 1 });
  try {
    const idle = await TestClient.open(server.wsUrl);
    const opened = performance.now();
    const polite = await TestClient.open(server.wsUrl);
    polite.send({ type: "request" });
    assert.deepEqual(await idle.closed, {
      code: 4001,
      reason: "request_timeout",
    });
    const seconds = (performance.now() - opened) / 1000;
    assert.ok(seconds >= 0.9 && seconds < 5, `${seconds} s`);
    // The one that asked stays, waiting.
    polite.send("?");
    assert.equal((await polite.next("error")).code, "bad_json");
    assert.equal(polite.socket.readyState, WebSocket.OPEN);
    await polite.close();
  } finally {
    await server.stop();
  }
});

Deno.test("/ws dead peer: a peer that stops answering pings is closed within idleTimeout and its partner gets 4000", async () => {
  const server = await startTestServer({ idleTimeout: 1 });
  try {
    const [raw, partner] = await rawPair(server.handle.port, server.wsUrl);
    // From here the raw client neither reads nor answers pings.
    const silent = performance.now();
    // The partner keeps talking, which must not keep the silent one alive.
    const chatter = setInterval(
      () => partner.send({ type: "typing", on: true }),
      200,
    );
    try {
      const closed = await within(partner.closed, 5000, "partner told");
      assert.equal(closed.code, 4000);
    } finally {
      clearInterval(chatter);
    }
    const seconds = (performance.now() - silent) / 1000;
    assert.ok(seconds < 3, `detected after ${seconds} s`);
    assert.equal(server.handle.state.metrics.closes.get(1001), 1);
    raw.drop();
  } finally {
    await server.stop();
  }
});

Deno.test("/ws dead peer: a peer that answers pings is kept past idleTimeout", async () => {
  const server = await startTestServer({ idleTimeout: 1, requestTimeout: 30 });
  try {
    const [raw, partner] = await rawPair(server.handle.port, server.wsUrl);
    // Answer pings for three idle periods: nextJson pongs while it waits.
    const started = performance.now();
    let pings = 0;
    while (performance.now() - started < 3000) {
      const frame = await raw.readFrame();
      assert.ok(frame, "closed by the server");
      if (frame.opcode === 9) {
        pings++;
        await raw.sendFrame(10, frame.payload);
      }
      assert.notEqual(frame.opcode, 8, "closed by the server");
    }
    assert.ok(pings >= 2, `${pings} pings`);
    partner.send({ type: "message", message: "still there?" });
    assert.equal((await raw.nextJson("message"))?.message, "still there?");
    raw.drop();
    assert.equal((await partner.closed).code, 4000);
  } finally {
    await server.stop();
  }
});

Deno.test("/ws slow reader: a partner that never reads is dropped past 1 MiB buffered, the sender is told", async () => {
  const server = await startTestServer({
    rateMessages: 1_000_000,
    rateBurst: 1_000_000,
  });
  try {
    const { metrics } = server.handle.state;
    // A raw sender writes each frame in one piece and waits for its echo,
    // so nothing is in flight when its socket is closed.
    const sender = await RawSocket.connect(server.handle.port);
    const stuck = await RawSocket.connect(server.handle.port);
    await sender.sendText('{"type":"request"}');
    await stuck.sendText('{"type":"request"}');
    assert.ok(await sender.nextJson("response"));
    assert.ok(await stuck.nextJson("response"));
    // From here `stuck` never reads. Each line is ~12 KB on the wire.
    const line = JSON.stringify({
      type: "message",
      message: "\u0001".repeat(2000),
    });
    let sent = 0;
    let code: number | null = null;
    while (sent < 4000) {
      await sender.sendText(line);
      sent++;
      const echo = await sender.readFrame();
      if (!echo) break;
      if (echo.opcode === 8) {
        code = (echo.payload[0] << 8) | echo.payload[1];
        break;
      }
    }
    console.log(`slow reader dropped after ${sent} lines (~${sent * 12} KB)`);
    assert.ok(code !== null, `still not dropped after ${sent} lines`);
    assert.equal(code, 4000, "sender told");
    assert.equal(metrics.rejected.get("slow_reader"), 1);
    sender.drop();
    // Deno cannot abort a blocked write: the stuck socket keeps its bounded
    // queue until its peer goes, then everything is released.
    stuck.drop();
    await until(
      () => server.handle.state.openSockets === 0,
      5000,
      "stuck socket freed",
    );
    assert.equal(server.handle.state.switchboard.connected, 0);
  } finally {
    await server.stop();
  }
});

Deno.test("server: an unhandled rejection or uncaught error is caught, counted and logged without its message", async () => {
  const server = await startTestServer();
  try {
    const marker = `SECRET-${crypto.randomUUID()}`;
    const { metrics } = server.handle.state;
    Promise.reject(new TypeError(marker));
    setTimeout(() => {
      throw new RangeError(marker);
    }, 0);
    await until(() => metrics.uncaught === 2, 5000, "both caught");
    const lines = server.logs.filter((l) => l.includes('"uncaught"'));
    assert.equal(lines.length, 2);
    assert.match(lines.join("\n"), /TypeError/);
    assert.match(lines.join("\n"), /RangeError/);
    assert.ok(server.logs.every((l) => !l.includes(marker)));
    const [a, b] = await pair(server.wsUrl);
    a.send({ type: "message", message: "alive" });
    assert.equal((await b.next("message")).message, "alive");
    await a.close();
    await b.closed;
  } finally {
    await server.stop();
  }
});
