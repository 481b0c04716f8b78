import assert from "node:assert/strict";
import {
  AddressLimits,
  clientAddress,
  originAllowed,
} from "../lib/ws/admission.ts";
import { startTestServer, TestClient } from "./helpers.ts";
import { RawSocket } from "./security_helpers.ts";

Deno.test("originAllowed() accepts no Origin, the page's own host and listed origins only", () => {
  const host = "chat.example:8000";
  assert.equal(originAllowed(null, host, []), true);
  assert.equal(originAllowed("http://chat.example:8000", host, []), true);
  assert.equal(
    originAllowed("https://CHAT.example:8000", "Chat.Example:8000", []),
    true,
  );
  assert.equal(originAllowed("https://evil.example", host, []), false);
  assert.equal(originAllowed("http://chat.example:8001", host, []), false);
  assert.equal(originAllowed("http://chat.example.evil:8000", host, []), false);
  assert.equal(originAllowed("null", host, []), false);
  assert.equal(originAllowed("not a url", host, []), false);
  assert.equal(originAllowed("http://chat.example:8000", null, []), false);
  const allowed = ["https://partner.example"];
  assert.equal(originAllowed("https://partner.example", host, allowed), true);
  assert.equal(originAllowed("http://partner.example", host, allowed), false);
  assert.equal(originAllowed("https://any.example", host, ["*"]), true);
});

Deno.test("clientAddress() ignores proxy headers unless trusted, then takes the last hop", () => {
  const headers = new Headers({
    "x-forwarded-for": "6.6.6.6, 203.0.113.7",
  });
  assert.equal(clientAddress(headers, "10.0.0.1", false), "10.0.0.1");
  assert.equal(clientAddress(headers, "10.0.0.1", true), "203.0.113.7");
  assert.equal(
    clientAddress(new Headers({ "x-forwarded-for": "" }), "10.0.0.1", true),
    "10.0.0.1",
  );
  assert.equal(clientAddress(new Headers(), "10.0.0.1", true), "10.0.0.1");
  const forwarded = new Headers({
    forwarded: 'for=6.6.6.6;proto=https, for="[2001:db8::1]:443";proto=https',
    "x-forwarded-for": "198.51.100.1",
  });
  assert.equal(clientAddress(forwarded, "10.0.0.1", true), "2001:db8::1");
  assert.equal(
    clientAddress(
      new Headers({ forwarded: "proto=https;for=192.0.2.60;by=10.0.0.2" }),
      "10.0.0.1",
      true,
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
  const server = await startTestServer({
    allowedOrigins: ["https://partner.example"],
  });
  try {
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
    assert.equal(server.handle.state.switchboard.connected, 0);
  } finally {
    await server.stop();
  }
});

Deno.test("/ws handshake: fetch with a foreign Origin gets 403 before any upgrade", async () => {
  const server = await startTestServer();
  try {
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
  } finally {
    await server.stop();
  }
});

Deno.test("/ws handshake: the 21st concurrent socket from one address gets 429; closing one frees a slot", async () => {
  const server = await startTestServer();
  try {
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
  } finally {
    await server.stop();
  }
});

Deno.test("/ws handshake: the 61st handshake in a minute from one address gets 429", async () => {
  const server = await startTestServer();
  try {
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
  } finally {
    await server.stop();
  }
});

Deno.test("/ws handshake: with TRUST_PROXY the limit follows the forwarded address, without it the headers are ignored", async (t) => {
  for (const trustProxy of [true, false]) {
    await t.step(`trustProxy ${trustProxy}`, async () => {
      const server = await startTestServer({ trustProxy, maxSocketsPerIp: 1 });
      try {
        const port = server.handle.port;
        const first = await RawSocket.connect(port, {
          headers: { "X-Forwarded-For": "6.6.6.6, 203.0.113.1" },
        });
        assert.equal(first.status, 101);
        // Same last hop: refused either way (the peer is 127.0.0.1 too).
        const same = await RawSocket.connect(port, {
          headers: { "X-Forwarded-For": "7.7.7.7, 203.0.113.1" },
        });
        assert.equal(same.status, 429);
        same.drop();
        // Another last hop, via Forwarded: a new address only behind a proxy.
        const other = await RawSocket.connect(port, {
          headers: { Forwarded: "for=203.0.113.1, for=203.0.113.2" },
        });
        assert.equal(other.status, trustProxy ? 101 : 429);
        for (const raw of [first, other]) {
          if (raw.status !== 101) {
            raw.drop();
            continue;
          }
          await raw.sendFrame(8, new Uint8Array([0x03, 0xe8]));
          await raw.closeCode();
          raw.drop();
        }
      } finally {
        await server.stop();
      }
    });
  }
});
