/**
 * Running out of file descriptors. MAX_CONNECTIONS caps the sockets held
 * (503 past it); and should the process hit its open-file limit anyway,
 * Deno's listener, which ends for good when accept() fails, is started
 * again, so the server never falls silent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pair, TestClient } from "./helpers.ts";
import { NO_ADDRESS_LIMITS, spawnServer } from "./server_process.ts";

/**
 * Opens `count` sockets, `batch` at a time; resolves with those that opened.
 */
async function openMany(
  url: string,
  count: number,
  batch = count,
): Promise<TestClient[]> {
  const opened: TestClient[] = [];
  for (let i = 0; i < count; i += batch) {
    const clients = Array.from(
      { length: Math.min(batch, count - i) },
      () => new TestClient(url),
    );
    const results = await Promise.allSettled(clients.map((c) => c.opened));
    opened.push(...clients.filter((_, j) => results[j].status === "fulfilled"));
  }
  return opened;
}

/** Polls `/healthz` until it answers 200. */
async function healthy(url: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // Not listening (yet).
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no healthy answer within ${ms} ms`);
}

/** The status a WebSocket handshake gets, without opening a socket. */
async function handshake(url: string): Promise<number> {
  const res = await fetch(`${url}/ws`, {
    headers: {
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version": "13",
    },
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("MAX_CONNECTIONS: sockets past the cap get 503, the rest chat on", async () => {
  const server = await spawnServer({
    args: [...NO_ADDRESS_LIMITS, "--max-connections", "50"],
  });
  const clients: TestClient[] = [];
  try {
    const [a, b] = await pair(server.wsUrl);
    clients.push(a, b, ...await openMany(server.wsUrl, 80, 20));
    assert.equal(clients.length, 50);
    assert.equal(await handshake(server.url), 503);
    a.send({ type: "message", message: "still here" });
    assert.equal((await b.next("message")).message, "still here");
    await clients.pop()!.close();
    const next = await TestClient.open(server.wsUrl);
    clients.push(next);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    assert.equal((await server.stop()).code, 0);
  }
});

Deno.test("out of file descriptors: the listener comes back", async () => {
  const server = await spawnServer({ args: NO_ADDRESS_LIMITS, fileLimit: 300 });
  const clients: TestClient[] = [];
  try {
    const [a, b] = await pair(server.wsUrl);
    clients.push(a, b);
    // One burst past the limit: accept() fails with EMFILE. Until some of
    // those sockets go, there is no descriptor left to answer anyone.
    const burst = await openMany(server.wsUrl, 400);
    await Promise.all(burst.splice(-100).map((c) => c.close()));
    clients.push(...burst);
    await healthy(server.url);
    assert.ok(
      server.lines.some((l) => l.includes('"event":"listener_failed"')),
      "the listener did fail",
    );
    // Those already connected never noticed.
    a.send({ type: "message", message: "after the storm" });
    assert.equal((await b.next("message")).message, "after the storm");
    const [c, d] = await pair(server.wsUrl);
    clients.push(c, d);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    assert.equal((await server.stop()).code, 0);
  }
});
