import assert from "node:assert/strict";
import { TestClient } from "./helpers.ts";
import { RawSocket, within } from "./security_helpers.ts";
import { NO_ADDRESS_LIMITS, spawnServer } from "./server_process.ts";

const PAIRS = 500;

Deno.test("server process: SIGTERM with 500 live pairs closes every socket with 1001 within 10 s, refuses newcomers, exits 0", async () => {
  const server = await spawnServer({ args: NO_ADDRESS_LIMITS });
  let exited = false;
  try {
    // One raw client holds the drain open: it acknowledges the server's
    // close only after trying to get in again, so the test does not race.
    const holder = await RawSocket.connect(server.port);
    assert.equal(holder.status, 101);
    const clients: TestClient[] = [];
    for (let i = 0; i < 2 * PAIRS; i += 100) {
      clients.push(
        ...await Promise.all(
          Array.from({ length: 100 }, () => TestClient.open(server.wsUrl)),
        ),
      );
    }
    for (const c of clients) c.send({ type: "request" });
    await Promise.all(clients.map((c) => c.next("response", 30_000)));
    await holder.sendText('{"type":"request"}');
    // A live chat to the last moment.
    clients[0].send({ type: "message", message: "last words" });
    await clients[0].next("message");

    const closedAt = clients.map((c) =>
      c.closed.then((e) => ({ ...e, ms: performance.now() - signalled }))
    );
    const signalled = performance.now();
    server.child.kill("SIGTERM");

    assert.equal(await within(holder.closeCode(), 10_000, "holder 1001"), 1001);
    // Draining: the listener still answers, but no new socket is made.
    const newcomer = await RawSocket.connect(server.port);
    assert.equal(newcomer.status, 503);
    newcomer.drop();
    await holder.sendFrame(8, new Uint8Array([0x03, 0xe9]));

    const closes = await within(Promise.all(closedAt), 10_000, "all closed");
    const codes = new Map<number, number>();
    for (const { code } of closes) codes.set(code, (codes.get(code) ?? 0) + 1);
    assert.deepEqual([...codes], [[1001, 2 * PAIRS]]);
    const slowest = Math.max(...closes.map((c) => c.ms));
    assert.ok(slowest < 10_000, `slowest close after ${slowest} ms`);

    const status = await within(server.status, 10_000, "process exit");
    exited = true;
    assert.equal(status.code, 0);
    assert.ok(performance.now() - signalled < 10_000);
    holder.drop();
    // After the exit the port refuses connections.
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: server.port }),
    );
    await server.drained;
    assert.ok(
      server.lines.every((l) => !/"level":"error"/.test(l)),
      server.lines.filter((l) => /"level":"error"/.test(l)).join("\n"),
    );
  } finally {
    if (!exited) await server.stop();
  }
});
