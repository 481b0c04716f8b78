import assert from "node:assert/strict";
import { pair, startTestServer, TestClient } from "./helpers.ts";
import { encodeFrame, RawSocket, within } from "./security_helpers.ts";
import { until } from "./support/wait.ts";

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
  await using server = await startTestServer();
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
});

Deno.test("/ws rate: a burst past 10 gets a rate_limited error; typing has its own allowance", async () => {
  await using server = await startTestServer();
  const [a, b] = await pair(server.wsUrl);
  const started = performance.now();
  for (let i = 0; i < 20; i++) a.send({ type: "message", message: `m${i}` });
  // Typing has its own bucket: a hint relayed there and back tells that
  // every frame before it was handled and its answers delivered.
  a.send({ type: "typing", on: true });
  await b.next("typing");
  b.send({ type: "typing", on: true });
  await a.next("typing");
  const seconds = (performance.now() - started) / 1000;
  const relayed = a.pending("message").length;
  const errors = a.pending("error");
  const limited = errors.filter((f) => f.code === "rate_limited").length;
  assert.equal(errors.length, limited, JSON.stringify(errors));
  // Refused frames are answered once a second, not one by one.
  assert.ok(
    limited >= 1 && limited <= Math.ceil(seconds),
    `${limited} errors`,
  );
  for (let i = 0; i < relayed; i++) await a.next("message");
  // A burst of 10 (one went on `request`) plus the 5/s refill meanwhile.
  assert.ok(relayed >= 9, `relayed ${relayed}`);
  assert.ok(relayed <= 9 + Math.ceil(seconds * 5), `relayed ${relayed}`);
  assert.ok(limited >= 1);
  for (let i = 0; i < relayed; i++) {
    assert.equal((await b.next("message")).message, `m${i}`);
  }
  // The chat bucket is empty; typing frames still pass on their own.
  for (let i = 0; i < 4; i++) a.send({ type: "typing", on: i % 2 === 0 });
  assert.equal((await b.next("typing")).on, true);
  assert.equal((await b.next("typing")).on, false);
  assert.equal(a.socket.readyState, WebSocket.OPEN);
  await a.close();
  await b.closed;
});

Deno.test("/ws rate: typing past its allowance is dropped quietly, not relayed", async () => {
  await using server = await startTestServer({
    rateTyping: 1,
    rateBurst: 100,
    rateMessages: 100,
  });
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
});

/**
 * Sends `burst` frames at once, then one more every 50 ms until the socket
 * closes (or `most` were sent), so nothing is in flight when the server
 * closes (Deno resets a connection that still has unread frames, and the
 * close code would be lost). Resolves with the close and the error frames
 * received.
 */
async function abuse(
  client: TestClient,
  burst: number,
  most: number,
  frame: string | Uint8Array = JSON.stringify({
    type: "message",
    message: "spam",
  }),
) {
  let sent = 0;
  const send = () => {
    client.socket.send(frame);
    sent++;
  };
  for (let i = 0; i < burst; i++) send();
  let closed = false;
  client.closed.then(() => closed = true);
  while (sent < most) {
    await new Promise((r) => setTimeout(r, 50));
    if (closed) break;
    send();
  }
  const close = await client.closed;
  return { close, errors: client.pending("error"), sent };
}

Deno.test("/ws rate: 50 excess frames within 10 s close with 1008; the partner gets 4000", async () => {
  await using server = await startTestServer();
  const [a, b] = await pair(server.wsUrl);
  // 9 tokens are left after `request`: the 59th frame is the 50th excess.
  const { close, errors, sent } = await abuse(a, 59, 200);
  assert.deepEqual(close, { code: 1008, reason: "rate_abuse" });
  assert.ok(
    errors.length >= 1 && errors.length <= 2,
    `${errors.length} errors: one a second, not one per excess frame`,
  );
  assert.ok(errors.every((f) => f.code === "rate_limited"));
  assert.ok(sent >= 59 && sent < 200, `${sent}`);
  assert.equal((await b.closed).code, 4000);
  assert.equal(server.handle.state.metrics.rejected.get("rate_abuse"), 1);
  assert.ok(
    (server.handle.state.metrics.rejected.get("rate_limited") ?? 0) >= 49,
  );
});

Deno.test("/ws rate: rateAbuseLimit - 1 excess frames are tolerated, the next closes", async () => {
  await using server = await startTestServer({ rateAbuseLimit: 5 });
  const [a, b] = await pair(server.wsUrl);
  // 9 tokens, then 4 excess frames: still open.
  for (let i = 0; i < 13; i++) a.send({ type: "message", message: "spam" });
  a.send({ type: "typing", on: true });
  await b.next("typing");
  assert.equal(a.socket.readyState, WebSocket.OPEN);
  const { close } = await abuse(a, 1, 10);
  assert.equal(close.code, 1008);
  await b.closed;
});

Deno.test("/ws rate: binary frames spend the same budget; a flood closes with 1008 and gets at most a few error frames", async () => {
  await using server = await startTestServer();
  const [a, b] = await pair(server.wsUrl);
  const { close, errors, sent } = await abuse(
    a,
    59,
    200,
    new Uint8Array(7),
  );
  assert.deepEqual(close, { code: 1008, reason: "rate_abuse" });
  assert.ok(sent < 200, `${sent}`);
  assert.ok(errors.length <= 4, `${errors.length} error frames`);
  assert.deepEqual(
    new Set(errors.map((f) => f.code)),
    new Set(["binary_not_supported", "rate_limited"]),
  );
  assert.equal((await b.closed).code, 4000);
});

Deno.test("/ws amplification: 5,000 bad frames within the rate get one error frame per code back, not 5,000", async () => {
  await using server = await startTestServer({
    rateMessages: 100_000,
    rateBurst: 100_000,
  });
  const raw = await RawSocket.connect(server.handle.port);
  assert.equal(raw.status, 101);
  const frame = encodeFrame(2, new Uint8Array(7));
  const flood = new Uint8Array(frame.length * 5000);
  for (let i = 0; i < 5000; i++) flood.set(frame, i * frame.length);
  await raw.sendBytes(flood);
  await raw.sendText('{"type":"dance"}');
  let received = 0;
  const codes: string[] = [];
  while (true) {
    const next = await within(raw.readFrame(), 5000, "answers");
    assert.ok(next && next.opcode !== 8, "still open");
    if (next.opcode !== 1) continue;
    received += next.payload.length;
    const value = JSON.parse(new TextDecoder().decode(next.payload));
    if (value.type !== "error") continue;
    codes.push(value.code);
    if (value.code === "unknown_type") break;
  }
  assert.deepEqual(codes, ["binary_not_supported", "unknown_type"]);
  assert.ok(received < 300, `${received} bytes back for ${flood.length}`);
  assert.equal(
    server.handle.state.metrics.rejected.get("binary_not_supported"),
    5000,
  );
  await raw.sendFrame(8, new Uint8Array([0x03, 0xe8]));
  await raw.closeCode();
  raw.drop();
});

Deno.test("/ws request timeout: a socket that sends no request within requestTimeout is closed with 4001", async () => {
  await using server = await startTestServer({ requestTimeout: 1 });
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
});

Deno.test("/ws dead peer: a peer that stops answering pings is closed within idleTimeout and its partner gets 4000", async () => {
  await using server = await startTestServer({ idleTimeout: 1 });
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
});

Deno.test("/ws dead peer: a peer that answers pings is kept past idleTimeout", async () => {
  await using server = await startTestServer({
    idleTimeout: 1,
    requestTimeout: 30,
  });
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
});

Deno.test("/ws slow reader: a partner that never reads is dropped past 1 MiB buffered, the sender is told", async () => {
  await using server = await startTestServer({
    rateMessages: 1_000_000,
    rateBurst: 1_000_000,
  });
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
});

Deno.test("server: an unhandled rejection or uncaught error is caught, counted and logged without its message", async () => {
  await using server = await startTestServer();
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
});
