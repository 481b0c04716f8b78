import assert from "node:assert/strict";
import {
  AddressLimits,
  clientAddress,
  originAllowed,
} from "../lib/ws/admission.ts";
import { type InProcessApp, inProcessApp } from "./app_helper.ts";
import { startTestServer, TestClient } from "./helpers.ts";
import { RawSocket } from "./security_helpers.ts";

/** A handshake request for {@linkcode originAllowed}. */
function handshake(
  headers: Record<string, string>,
  url = "http://chat.example:8000/ws",
): Request {
  return new Request(url, { headers });
}

Deno.test("originAllowed() accepts no Origin, the page's own scheme and host and listed origins only", () => {
  const host = "chat.example:8000";
  const allowed = (origin: string | null, options = {}, h = host) =>
    originAllowed(
      handshake(origin === null ? { host: h } : { origin, host: h }),
      options,
    );
  assert.equal(allowed(null), true);
  assert.equal(allowed("http://chat.example:8000"), true);
  // Plain HTTP with no trusted proxy: a TLS proxy may be in front.
  assert.equal(
    allowed("https://CHAT.example:8000", {}, "Chat.Example:8000"),
    true,
  );
  assert.equal(allowed("https://evil.example"), false);
  assert.equal(allowed("http://chat.example:8001"), false);
  assert.equal(allowed("http://chat.example.evil:8000"), false);
  assert.equal(allowed("ftp://chat.example:8000"), false, "not a web scheme");
  assert.equal(allowed("null"), false);
  assert.equal(allowed("not a url"), false);
  assert.equal(
    originAllowed(handshake({ origin: "http://chat.example:8000" }), {}),
    false,
    "no Host",
  );
  const partner = { allowedOrigins: ["https://partner.example"] };
  assert.equal(allowed("https://partner.example", partner), true);
  assert.equal(allowed("http://partner.example", partner), false);
  assert.equal(allowed("https://any.example", { allowedOrigins: ["*"] }), true);
});

Deno.test("originAllowed() compares the scheme the client used, when TLS or a trusted proxy tells it", () => {
  const tls = (origin: string) =>
    originAllowed(
      handshake({ origin, host: "chat.example" }, "https://chat.example/ws"),
    );
  assert.equal(tls("https://chat.example"), true);
  assert.equal(tls("http://chat.example"), false);
  for (
    const [trustProxy, header] of [
      ["x-forwarded-for", { "x-forwarded-proto": "https" }],
      ["forwarded", { forwarded: "for=192.0.2.1;proto=https" }],
    ] as const
  ) {
    const proxied = (origin: string) =>
      originAllowed(handshake({ origin, host: "chat.example", ...header }), {
        trustProxy,
      });
    assert.equal(proxied("https://chat.example"), true, trustProxy);
    assert.equal(proxied("http://chat.example"), false, trustProxy);
  }
  // The header of a proxy not trusted says nothing.
  assert.equal(
    originAllowed(
      handshake({
        origin: "http://chat.example",
        host: "chat.example",
        "x-forwarded-proto": "https",
      }),
      { trustProxy: "forwarded" },
    ),
    true,
  );
});

Deno.test("originAllowed() with a public origin pins Origin and Host: DNS rebinding is refused", () => {
  const options = {
    publicOrigin: "https://chat.example.com",
    allowedOrigins: ["https://partner.example"],
  };
  const allowed = (headers: Record<string, string>) =>
    originAllowed(handshake(headers), options);
  const own = { origin: "https://chat.example.com", host: "chat.example.com" };
  assert.equal(allowed(own), true);
  assert.equal(allowed({ ...own, host: "CHAT.example.com:443" }), true);
  assert.equal(allowed({ host: "chat.example.com" }), true, "no Origin");
  assert.equal(
    allowed({ origin: "https://partner.example", host: "chat.example.com" }),
    true,
  );
  assert.equal(
    allowed({ origin: "https://evil.example", host: "evil.example" }),
    false,
    "rebinding",
  );
  assert.equal(allowed({ host: "evil.example" }), false);
  assert.equal(allowed({ ...own, origin: "http://chat.example.com" }), false);
  assert.equal(allowed({ ...own, host: "chat.example.com:8443" }), false);
  assert.equal(allowed({ origin: own.origin }), false, "no Host");
});

Deno.test("clientAddress() ignores proxy headers unless trusted, then takes the named header's last hop", () => {
  const headers = new Headers({
    "x-forwarded-for": "6.6.6.6, 203.0.113.7",
  });
  assert.equal(clientAddress(headers, "10.0.0.1", false), "10.0.0.1");
  assert.equal(
    clientAddress(headers, "10.0.0.1", "x-forwarded-for"),
    "203.0.113.7",
  );
  assert.equal(clientAddress(headers, "10.0.0.1", "forwarded"), "10.0.0.1");
  assert.equal(
    clientAddress(new Headers(), "10.0.0.1", "x-forwarded-for"),
    "10.0.0.1",
  );
  const forwarded = new Headers({
    forwarded: 'for=6.6.6.6;proto=https, for="[2001:db8::1]:443";proto=https',
    "x-forwarded-for": "198.51.100.1",
  });
  assert.equal(
    clientAddress(forwarded, "10.0.0.1", "forwarded"),
    "2001:db8::1",
  );
  assert.equal(
    clientAddress(forwarded, "10.0.0.1", "x-forwarded-for"),
    "198.51.100.1",
  );
  assert.equal(
    clientAddress(
      new Headers({ forwarded: "proto=https;for=192.0.2.60;by=10.0.0.2" }),
      "10.0.0.1",
      "forwarded",
    ),
    "192.0.2.60",
  );
});

Deno.test("AddressLimits caps concurrent sockets and handshakes per minute per address", async (t) => {
  let now = 1_000_000;
  await t.step(
    "sockets: the 21st concurrent is refused until one is released",
    () => {
      const limits = new AddressLimits({ now: () => now });
      for (let i = 0; i < 20; i++) assert.equal(limits.admit("a"), null);
      assert.deepEqual(limits.admit("a"), {
        status: 429,
        reason: "too_many_sockets",
      });
      assert.equal(limits.admit("b"), null, "another address is not affected");
      limits.release("a");
      assert.equal(limits.admit("a"), null);
    },
  );
  await t.step(
    "handshakes: the 61st within a minute is refused, the window resets",
    () => {
      const limits = new AddressLimits({ now: () => now });
      for (let i = 0; i < 60; i++) {
        assert.equal(limits.admit("a"), null);
        limits.release("a");
      }
      assert.equal(limits.admit("a")?.reason, "too_many_handshakes");
      now += 60_000;
      assert.equal(limits.admit("a"), null);
    },
  );
  await t.step("0 disables a limit", () => {
    const limits = new AddressLimits({
      maxSockets: 0,
      maxHandshakesPerMinute: 0,
      now: () => now,
    });
    for (let i = 0; i < 1000; i++) assert.equal(limits.admit("a"), null);
  });
  await t.step(
    "memory: idle addresses are forgotten after their minute",
    () => {
      const limits = new AddressLimits({ now: () => now });
      for (let i = 0; i < 1000; i++) {
        limits.admit(`10.0.${i >> 8}.${i & 255}`);
        limits.release(`10.0.${i >> 8}.${i & 255}`);
      }
      limits.admit("busy");
      assert.equal(limits.size, 1001);
      now += 60_000;
      limits.admit("late");
      assert.equal(
        limits.size,
        2,
        "only the open socket and the newcomer stay",
      );
    },
  );
});

Deno.test("/ws handshake: a foreign Origin gets 403 and no socket; no Origin, own and listed origins get 101", async () => {
  await using server = await startTestServer({
    allowedOrigins: ["https://partner.example"],
  });
  const port = server.handle.port;
  const cases: [Record<string, string>, number][] = [
    [{ Origin: "https://evil.example" }, 403],
    [{ Origin: `http://127.0.0.1:${port + 1}` }, 403],
    [{ Origin: "null" }, 403],
    [{}, 101],
    [{ Origin: `http://127.0.0.1:${port}` }, 101],
    [{ Origin: "https://partner.example" }, 101],
  ];
  for (const [headers, status] of cases) {
    const raw = await RawSocket.connect(port, { headers });
    assert.equal(raw.status, status, JSON.stringify(headers));
    if (status === 403) {
      // No socket: the connection answers plain HTTP and takes no frames.
      assert.doesNotMatch(raw.head, /upgrade: websocket/i);
    } else {
      await raw.sendText('{"type":"request"}');
      await raw.sendFrame(8, new Uint8Array([0x03, 0xe8]));
      assert.equal(await raw.closeCode(), 1000);
    }
    raw.drop();
  }
  const { metrics } = server.handle.state;
  assert.equal(metrics.refused.get("origin_not_allowed"), 3);
  // The node edge reports a socket gone once its TCP connection has ended.
  const { switchboard } = server.handle.state;
  for (let i = 0; i < 40 && switchboard.connected > 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(switchboard.connected, 0);
});

Deno.test("/ws handshake: fetch with a foreign Origin gets 403 before any upgrade", async () => {
  await using server = await startTestServer();
  const res = await fetch(server.url + "/ws", {
    headers: {
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version": "13",
      Origin: "https://evil.example",
    },
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
});

Deno.test("/ws handshake: the 21st concurrent socket from one address gets 429; closing one frees a slot", async () => {
  await using server = await startTestServer();
  const clients = await Promise.all(
    Array.from({ length: 20 }, () => TestClient.open(server.wsUrl)),
  );
  const refused = await RawSocket.connect(server.handle.port);
  assert.equal(refused.status, 429);
  assert.match(refused.head, /retry-after: 60/i);
  refused.drop();
  await clients[0].close();
  const again = await TestClient.open(server.wsUrl);
  await Promise.all([again, ...clients.slice(1)].map((c) => c.close()));
  assert.equal(
    server.handle.state.metrics.refused.get("too_many_sockets"),
    1,
  );
});

Deno.test("/ws handshake: the 61st handshake in a minute from one address gets 429", async () => {
  await using server = await startTestServer();
  for (let i = 0; i < 60; i++) {
    const client = await TestClient.open(server.wsUrl);
    await client.close();
  }
  const refused = await RawSocket.connect(server.handle.port);
  assert.equal(refused.status, 429);
  refused.drop();
  assert.equal(
    server.handle.state.metrics.refused.get("too_many_handshakes"),
    1,
  );
});

Deno.test("/ws handshake: TRUST_PROXY follows the named header's last hop, ports stripped; the other header is ignored", async (t) => {
  const cases = [
    {
      trustProxy: "x-forwarded-for",
      first: { "X-Forwarded-For": "6.6.6.6, 203.0.113.1:1111" },
      samePort: { "X-Forwarded-For": "7.7.7.7, 203.0.113.1:2222" },
      other: { "X-Forwarded-For": "203.0.113.1, 203.0.113.2" },
      spoof: { Forwarded: "for=198.51.100.7" },
    },
    {
      trustProxy: "forwarded",
      first: { Forwarded: 'for=6.6.6.6, for="203.0.113.1:1111"' },
      samePort: { Forwarded: 'for="203.0.113.1:2222";proto=http' },
      other: { Forwarded: "for=203.0.113.1, for=203.0.113.2" },
      spoof: { "X-Forwarded-For": "198.51.100.7" },
    },
    {
      trustProxy: false,
      first: { "X-Forwarded-For": "203.0.113.1" },
      samePort: { "X-Forwarded-For": "203.0.113.9" },
      other: { Forwarded: "for=203.0.113.2" },
      spoof: { "X-Forwarded-For": "198.51.100.7" },
    },
  ] as const;
  for (const c of cases) {
    await t.step(`trustProxy ${c.trustProxy}`, async () => {
      await using server = await startTestServer({
        trustProxy: c.trustProxy,
        maxSocketsPerIp: 1,
      });
      const port = server.handle.port;
      const first = await RawSocket.connect(port, { headers: c.first });
      assert.equal(first.status, 101);
      // Same last hop from another port: the same address.
      const same = await RawSocket.connect(port, { headers: c.samePort });
      assert.equal(same.status, 429);
      same.drop();
      // The header not trusted names no one: the address is the peer
      // (127.0.0.1), held by `first` only when no proxy is trusted.
      const spoof = await RawSocket.connect(port, { headers: c.spoof });
      assert.equal(spoof.status, c.trustProxy ? 101 : 429);
      const other = await RawSocket.connect(port, { headers: c.other });
      assert.equal(other.status, c.trustProxy ? 101 : 429);
      for (const raw of [first, spoof, other]) {
        if (raw.status !== 101) {
          raw.drop();
          continue;
        }
        await raw.sendFrame(8, new Uint8Array([0x03, 0xe8]));
        await raw.closeCode();
        raw.drop();
      }
    });
  }
});

Deno.test("/ws handshake: per-address limits count an IPv6 /64 and an IPv4 prefix as one address", async (t) => {
  await t.step("IPv6 by /64", async () => {
    await using server = await startTestServer({
      trustProxy: "x-forwarded-for",
      maxSocketsPerIp: 2,
    });
    const port = server.handle.port;
    const open: RawSocket[] = [];
    for (const ip of ["2001:db8:1:2::1", "[2001:db8:1:2:ffff::9]:443"]) {
      const raw = await RawSocket.connect(port, {
        headers: { "X-Forwarded-For": ip },
      });
      assert.equal(raw.status, 101, ip);
      open.push(raw);
    }
    const third = await RawSocket.connect(port, {
      headers: { "X-Forwarded-For": "2001:db8:1:2:1234:5678:9abc:def0" },
    });
    assert.equal(third.status, 429, "a third socket in the same /64");
    third.drop();
    const next = await RawSocket.connect(port, {
      headers: { "X-Forwarded-For": "2001:db8:1:3::1" },
    });
    assert.equal(next.status, 101, "the next /64 is another subscriber");
    open.push(next);
    for (const raw of open) raw.drop();
  });
  for (const [ipv4Prefix, status] of [[32, 101], [24, 429]] as const) {
    await t.step(`IPv4 with IPV4_PREFIX ${ipv4Prefix}`, async () => {
      await using server = await startTestServer({
        trustProxy: "x-forwarded-for",
        maxSocketsPerIp: 1,
        ipv4Prefix,
      });
      const port = server.handle.port;
      const first = await RawSocket.connect(port, {
        headers: { "X-Forwarded-For": "198.51.100.1" },
      });
      assert.equal(first.status, 101);
      const neighbour = await RawSocket.connect(port, {
        headers: { "X-Forwarded-For": "::ffff:198.51.100.200" },
      });
      assert.equal(neighbour.status, status);
      first.drop();
      neighbour.drop();
    });
  }
});

/** Sends a hand-written request head and resolves with the answer's head. */
async function rawRequest(port: number, lines: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const head = [...lines, `Host: 127.0.0.1:${port}`, "", ""].join("\r\n");
    await conn.write(new TextEncoder().encode(head));
    let answer = "";
    const chunk = new Uint8Array(4096);
    while (!answer.includes("\r\n\r\n")) {
      const n = await conn.read(chunk);
      if (n === null) break;
      answer += new TextDecoder().decode(chunk.subarray(0, n));
    }
    return answer.slice(0, answer.indexOf("\r\n\r\n"));
  } finally {
    conn.close();
  }
}

Deno.test("/ws handshake: what RFC 6455 says to refuse is refused before the upgrade", async () => {
  await using server = await startTestServer();
  const port = server.handle.port;
  const key = "dGhlIHNhbXBsZSBub25jZQ==";
  const good = {
    method: "GET",
    upgrade: "Upgrade: websocket",
    connection: "Connection: keep-alive, Upgrade",
    version: "Sec-WebSocket-Version: 13",
    key: `Sec-WebSocket-Key: ${key}`,
  };
  const cases: [string, Partial<typeof good>, RegExp][] = [
    ["version 8", { version: "Sec-WebSocket-Version: 8" }, /^HTTP\/1\.1 426/],
    ["no version", { version: "" }, /^HTTP\/1\.1 426/],
    ["3-character key", { key: "Sec-WebSocket-Key: abc" }, /^HTTP\/1\.1 400/],
    [
      "key of 15 bytes",
      { key: `Sec-WebSocket-Key: ${btoa("x".repeat(15))}` },
      /^HTTP\/1\.1 400/,
    ],
    [
      "key of 17 bytes",
      { key: `Sec-WebSocket-Key: ${btoa("x".repeat(17))}` },
      /^HTTP\/1\.1 400/,
    ],
    ["no key", { key: "" }, /^HTTP\/1\.1 400/],
    [
      "Connection without upgrade",
      { connection: "Connection: keep-alive" },
      /^HTTP\/1\.1 400/,
    ],
    ["POST", { method: "POST" }, /^HTTP\/1\.1 405/],
    ["well formed", {}, /^HTTP\/1\.1 101/],
  ];
  for (const [name, change, status] of cases) {
    const h = { ...good, ...change };
    const answer = await rawRequest(
      port,
      [`${h.method} /ws HTTP/1.1`, h.upgrade, h.connection, h.version, h.key]
        .filter(Boolean),
    );
    assert.match(answer, status, name);
    if (name.includes("version")) {
      assert.match(answer, /sec-websocket-version: 13/i, name);
    }
  }
  assert.equal(server.handle.state.metrics.refused.get("bad_handshake"), 8);
});

Deno.test("/ws handshake: PUBLIC_ORIGIN refuses DNS rebinding; a trusted proxy's scheme must match the Origin's", async (t) => {
  await t.step("PUBLIC_ORIGIN", async () => {
    await using server = await startTestServer({
      publicOrigin: "https://chat.example.com",
    });
    const port = server.handle.port;
    const cases: [Record<string, string>, number][] = [
      [{ Origin: "https://evil.example", Host: "evil.example" }, 403],
      [{ Origin: `http://127.0.0.1:${port}` }, 403],
      [{ Origin: "https://chat.example.com", Host: "evil.example" }, 403],
      [{ Origin: "http://chat.example.com", Host: "chat.example.com" }, 403],
      [{ Origin: "https://chat.example.com", Host: "chat.example.com" }, 101],
    ];
    for (const [headers, status] of cases) {
      const raw = await RawSocket.connect(port, { headers });
      assert.equal(raw.status, status, JSON.stringify(headers));
      raw.drop();
    }
  });
  await t.step("TRUST_PROXY with X-Forwarded-Proto", async () => {
    await using server = await startTestServer({
      trustProxy: "x-forwarded-for",
    });
    const port = server.handle.port;
    const host = `127.0.0.1:${port}`;
    const cases: [Record<string, string>, number][] = [
      [{ Origin: `http://${host}`, "X-Forwarded-Proto": "https" }, 403],
      [{ Origin: `https://${host}`, "X-Forwarded-Proto": "https" }, 101],
      [{ Origin: `http://${host}`, "X-Forwarded-Proto": "http" }, 101],
      [{ Origin: `https://${host}` }, 101],
    ];
    for (const [headers, status] of cases) {
      const raw = await RawSocket.connect(port, { headers });
      assert.equal(raw.status, status, JSON.stringify(headers));
      raw.drop();
    }
  });
});

Deno.test("/ws handshake: a flood of refusals logs a few lines a second, with the count suppressed", async () => {
  await using server = await startTestServer({ maxHandshakesPerMinute: 1 });
  const port = server.handle.port;
  const first = await RawSocket.connect(port);
  assert.equal(first.status, 101);
  first.drop();
  const started = performance.now();
  for (let i = 0; i < 100; i++) {
    const raw = await RawSocket.connect(port, {
      headers: {
        Origin: i % 2 ? "https://evil.example" : `http://127.0.0.1:${port}`,
      },
    });
    assert.notEqual(raw.status, 101);
    raw.drop();
  }
  const seconds = (performance.now() - started) / 1000;
  const lines = server.logs.map((l) => JSON.parse(l))
    .filter((l) => l.event === "ws_refused");
  assert.ok(
    lines.length <= 5 * Math.ceil(seconds + 1),
    `${lines.length} lines in ${seconds.toFixed(2)} s`,
  );
  const { metrics } = server.handle.state;
  assert.equal(
    (metrics.refused.get("too_many_handshakes") ?? 0) +
      (metrics.refused.get("origin_not_allowed") ?? 0),
    100,
    "every refusal is counted, logged or not",
  );
  if (seconds > 1) {
    assert.ok(lines.some((l) => l.suppressed > 0), "a line reports the rest");
  }
});

Deno.test("AddressLimits.peek() answers what admit() would, counting nothing", async (t) => {
  let now = 1_000_000;
  await t.step("an unknown address passes and is not remembered", () => {
    const limits = new AddressLimits({ now: () => now });
    for (let i = 0; i < 100; i++) assert.equal(limits.peek("a"), null);
    assert.equal(limits.size, 0);
  });
  await t.step("full sockets: too_many_sockets, 60 s", () => {
    const limits = new AddressLimits({ maxSockets: 2, now: () => now });
    limits.admit("a");
    assert.equal(limits.peek("a"), null);
    limits.admit("a");
    assert.deepEqual(limits.peek("a"), {
      status: 429,
      reason: "too_many_sockets",
      retryAfter: 60,
    });
    limits.release("a");
    assert.equal(limits.peek("a"), null);
  });
  await t.step("a spent minute: too_many_handshakes until it ends", () => {
    const limits = new AddressLimits({
      maxHandshakesPerMinute: 3,
      now: () => now,
    });
    for (let i = 0; i < 2; i++) {
      limits.admit("a");
      limits.release("a");
    }
    for (let i = 0; i < 50; i++) assert.equal(limits.peek("a"), null);
    assert.equal(limits.admit("a"), null, "peeks spent none of the budget");
    limits.release("a");
    now += 45_500;
    assert.deepEqual(limits.peek("a"), {
      status: 429,
      reason: "too_many_handshakes",
      retryAfter: 15,
    });
    assert.equal(limits.admit("a")?.reason, "too_many_handshakes");
    now += 14_500;
    assert.equal(limits.peek("a"), null, "the minute is over");
  });
  await t.step("peek counts by address group as admit does", () => {
    const limits = new AddressLimits({ maxSockets: 1, now: () => now });
    limits.admit("2001:db8::1");
    assert.equal(limits.peek("2001:db8::2")?.reason, "too_many_sockets");
    assert.equal(limits.peek("2001:db9::1"), null);
  });
});

/** GET /ws/admission through the handler; the request comes from 127.0.0.1. */
async function probe(
  app: InProcessApp,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const res = await app.fetch("/ws/admission", { headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return await res.json();
}

Deno.test("GET /ws/admission: a dry run of the handshake's checks, for each reason", async (t) => {
  await t.step("ok", async () => {
    await using app = await inProcessApp();
    assert.deepEqual(await probe(app), { ok: true });
    assert.deepEqual(
      await probe(app, { origin: "http://localhost", host: "localhost" }),
      { ok: true },
    );
  });
  await t.step("origin_not_allowed", async () => {
    await using app = await inProcessApp();
    assert.deepEqual(
      await probe(app, { origin: "https://evil.example", host: "localhost" }),
      { ok: false, reason: "origin_not_allowed", retryAfter: 60 },
    );
  });
  await t.step("too_many_sockets", async () => {
    await using app = await inProcessApp({ maxSocketsPerIp: 2 });
    app.state.limits.admit("127.0.0.1");
    assert.deepEqual(await probe(app), { ok: true });
    app.state.limits.admit("127.0.0.1");
    assert.deepEqual(await probe(app), {
      ok: false,
      reason: "too_many_sockets",
      retryAfter: 60,
    });
  });
  await t.step(
    "too_many_handshakes, and probing spends none of the budget",
    async () => {
      await using app = await inProcessApp({ maxHandshakesPerMinute: 3 });
      const { limits } = app.state;
      for (let i = 0; i < 100; i++) {
        assert.deepEqual(await probe(app), {
          ok: true,
        });
      }
      for (let i = 0; i < 3; i++) {
        assert.equal(limits.admit("127.0.0.1"), null, `handshake ${i + 1}`);
        limits.release("127.0.0.1");
      }
      const refused = await probe(app);
      assert.equal(refused.reason, "too_many_handshakes");
      assert.ok(
        typeof refused.retryAfter === "number" && refused.retryAfter > 0 &&
          refused.retryAfter <= 60,
      );
      assert.equal(app.state.metrics.refused.size, 0, "a probe is no refusal");
    },
  );
  await t.step("server_full", async () => {
    await using app = await inProcessApp({ maxConnections: 1 });
    app.state.openSockets = 1;
    assert.deepEqual(await probe(app), {
      ok: false,
      reason: "server_full",
      retryAfter: 10,
    });
    app.state.openSockets = 0;
  });
  await t.step("shutting_down", async () => {
    await using app = await inProcessApp();
    app.state.draining = true;
    assert.deepEqual(await probe(app), {
      ok: false,
      reason: "shutting_down",
      retryAfter: 10,
    });
  });
  await t.step("only GET (and HEAD)", async () => {
    await using app = await inProcessApp();
    const res = await app.fetch("/ws/admission", { method: "POST" });
    await res.body?.cancel();
    assert.equal(res.status, 405);
  });
});

Deno.test("GET /ws/admission on a real server: probes take no handshake, and it tells the refusal a browser cannot see", async () => {
  await using server = await startTestServer({ maxHandshakesPerMinute: 2 });
  const ask = async () => {
    const res = await fetch(`${server.url}/ws/admission`);
    return await res.json();
  };
  for (let i = 0; i < 20; i++) assert.deepEqual(await ask(), { ok: true });
  const a = await TestClient.open(server.wsUrl);
  const b = await TestClient.open(server.wsUrl);
  const verdict = await ask();
  assert.equal(verdict.reason, "too_many_handshakes");
  const refused = await RawSocket.connect(server.handle.port);
  assert.equal(refused.status, 429, "the handshake agrees");
  refused.drop();
  await Promise.all([a.close(), b.close()]);
});
