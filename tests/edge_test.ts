import assert from "node:assert/strict";
import net from "node:net";
import { encodeFrame, RawSocket, within } from "./security_helpers.ts";
import { NO_ADDRESS_LIMITS, spawnServer } from "./server_process.ts";
import { pair, startTestServer } from "./helpers.ts";
import { oversizeAttack, victimLatencies } from "./support/oversize.ts";
import { until } from "./support/wait.ts";
import { CUT_GRACE_MS } from "../lib/ws/node_edge.ts";

const MiB = 1024 * 1024;

Deno.test("node edge: 20 unfinished fragmented messages and 20 × 60 MiB frames from one address close 1009 early; RSS +64 MiB at most; a victim pair keeps chatting", async () => {
  const server = await spawnServer({
    args: [
      ...NO_ADDRESS_LIMITS,
      "--rate-messages",
      "100",
      "--rate-burst",
      "100",
    ],
  });
  try {
    const [a, b] = await pair(server.wsUrl);
    const before = await server.rss();
    let peak = before;
    let running = true;
    const sampler = (async () => {
      while (running) {
        peak = Math.max(peak, await server.rss());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const victim = victimLatencies([a, b], () => running);
    const results = await oversizeAttack(server.port);
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    const [, latencies] = await Promise.all([sampler, victim]);
    for (const [i, { code, sent }] of results.entries()) {
      assert.equal(code, 1009, `attacker ${i}`);
      // Closed as its message passed 16 KiB, not after it was held whole.
      assert.ok(sent < 16 * MiB, `attacker ${i} sent ${sent} bytes`);
    }
    const grew = (peak - before) / MiB;
    console.log(
      `RSS +${grew.toFixed(1)} MiB (peak ${(peak / MiB).toFixed(0)})`,
    );
    assert.ok(grew <= 64, `RSS grew ${grew} MiB`);
    latencies.sort((x, y) => x - y);
    const p99 = latencies[Math.floor(latencies.length * 0.99)];
    console.log(
      `victim relay: ${latencies.length} lines, p99 ${p99.toFixed(1)} ms`,
    );
    assert.ok(latencies.length >= 20);
    // The 50 ms goal is a figure of `deno task bench -- --only attack`, on a
    // quiet machine; here, beside other tests, the pair must keep chatting.
    assert.ok(p99 < 250, `p99 ${p99} ms`);
    a.socket.close();
    b.socket.close();
    await Promise.all([a.closed, b.closed]);
  } finally {
    const status = await server.stop();
    assert.equal(status.code, 0);
  }
});

/** A WebSocket handshake from `localAddress`; its status and the socket. */
function handshake(
  port: number,
  localAddress: string,
): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
    });
    socket.once("data", (chunk: Uint8Array) => {
      const status = Number(
        /^HTTP\/1\.1 (\d{3})/.exec(
          new TextDecoder().decode(chunk),
        )?.[1],
      );
      resolve({ status, socket });
    });
  });
}

/** A GET from `localAddress`; the answer's head and body as text. */
function get(
  port: number,
  localAddress: string,
  path: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    let text = "";
    socket.once("error", reject);
    socket.on(
      "data",
      (chunk: Uint8Array) => text += new TextDecoder().decode(chunk),
    );
    socket.once("close", () => resolve(text));
    socket.once(
      "connect",
      () =>
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        ),
    );
  });
}

Deno.test("node edge: a slow reader dropped with 4002 keeps its address slot until its TCP connection is cut", async () => {
  const server = await startTestServer({
    maxBufferedBytes: 16_384,
    rateMessages: 1_000_000,
    rateBurst: 1_000_000,
    maxHandshakesPerMinute: 0,
    powMode: "off",
  });
  const port = server.handle.port;
  const { state } = server.handle;
  try {
    // 20 readers from 127.0.0.1 that never read, each paired with a sender
    // from its own address (127.0.0.2…21).
    const stuck = await Promise.all(
      Array.from({ length: 20 }, () => RawSocket.connect(port)),
    );
    const line = JSON.stringify({
      type: "message",
      message: "\u0001".repeat(2000),
    });
    // One pair at a time, so that each reader meets its own sender.
    const senders: net.Socket[] = [];
    for (const [i, reader] of stuck.entries()) {
      await reader.sendText('{"type":"request"}');
      const sender = await handshake(port, `127.0.0.${i + 2}`);
      assert.equal(sender.status, 101);
      sender.socket.write(
        encodeFrame(1, new TextEncoder().encode('{"type":"request"}')),
      );
      assert.ok(await reader.nextJson("response"));
      senders.push(sender.socket);
    }
    const pouring = Date.now();
    await Promise.all(senders.map(async (socket) => {
      const sender = { socket };
      // Pour lines until the partner is dropped (the sender gets 4000).
      let done = false;
      sender.socket.on("data", (chunk: Uint8Array) => {
        const text = new TextDecoder().decode(chunk);
        if (text.includes("\x88")) done = true;
      });
      sender.socket.on("close", () => done = true);
      const bytes = encodeFrame(1, new TextEncoder().encode(line));
      for (let n = 0; !done && n < 4000; n++) {
        if (!sender.socket.write(bytes)) {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      sender.socket.destroy();
    }));
    assert.equal(state.metrics.rejected.get("slow_reader"), 20);
    // The 20 dropped readers still hold their TCP connections: the address
    // is full until they are cut.
    // (Only while the first one dropped is surely within its cut grace: a
    // machine busy enough to pour for longer has cut it already.)
    const early = await RawSocket.connect(port);
    if (Date.now() - pouring < CUT_GRACE_MS - 500) {
      assert.equal(early.status, 429);
    } else console.log("pouring outlasted the cut grace: slot check skipped");
    early.drop();
    await within(
      (async () => {
        while (state.openSockets > 0) {
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      10_000,
      "stuck readers cut",
    );
    const late = await RawSocket.connect(port);
    assert.equal(late.status, 101);
    late.drop();
    for (const reader of stuck) reader.drop();
  } finally {
    await server.stop();
  }
});

Deno.test("node edge: connections that send nothing are closed after 10 s, idle keep-alive after 5 s; 20,000 idle ones from two addresses leave /healthz and a new chat working", async () => {
  const server = await spawnServer();
  try {
    const silentAt = performance.now();
    const silent = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    const keepAlive = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    await keepAlive.write(new TextEncoder().encode(
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    ));
    const buffer = new Uint8Array(65536);
    assert.ok((await keepAlive.read(buffer)) !== null);
    const answeredAt = performance.now();
    const ended = async (conn: Deno.Conn, from: number) => {
      while (true) {
        try {
          if (await conn.read(buffer) === null) break;
        } catch {
          break;
        }
      }
      conn.close();
      return (performance.now() - from) / 1000;
    };
    const silentEnd = ended(silent, silentAt);
    const keepAliveEnd = ended(keepAlive, answeredAt);

    // Idle crowds from two addresses, 10,000 each, in waves (this process
    // has 20,000 descriptors): each beyond 256 is cut at once.
    const idle = new Set<net.Socket>();
    const all: net.Socket[] = [];
    let cut = 0;
    for (let wave = 0; wave < 20; wave++) {
      for (const localAddress of ["127.0.0.1", "127.0.0.2"]) {
        for (let i = 0; i < 500; i++) {
          const socket = net.connect({
            host: "127.0.0.1",
            port: server.port,
            localAddress,
          });
          socket.on("error", () => {});
          // Counted once established: a connect still retrying its SYN
          // (the accept queue overflowed on a busy machine) is held by
          // nobody yet.
          socket.on("connect", () => idle.add(socket));
          socket.on("close", () => {
            if (idle.delete(socket)) cut++;
          });
          all.push(socket);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // The server cuts the excess as it accepts; on a busy machine that
    // takes a while, but no more than 256 per address may stay.
    await until(() => idle.size <= 2 * 256, 60_000, "the excess cut").catch(
      () => {},
    );
    console.log(`20,000 idle connections: ${idle.size} held, ${cut} cut`);
    assert.ok(idle.size <= 2 * 256, `${idle.size} still open`);
    assert.ok(cut + idle.size >= 10_000, `only ${cut + idle.size} connected`);
    // 127.0.0.1 and .2 are full of idle connections: a visitor from .3.
    const health = await within(
      get(server.port, "127.0.0.3", "/healthz"),
      5000,
      "/healthz",
    );
    assert.match(health, /^HTTP\/1\.1 200/);
    const visitor = await handshake(server.port, "127.0.0.3");
    assert.equal(visitor.status, 101);
    visitor.socket.destroy();

    const [s, k] = await Promise.all([silentEnd, keepAliveEnd]);
    console.log(
      `silent closed after ${s.toFixed(1)} s, keep-alive after ${
        k.toFixed(1)
      } s`,
    );
    assert.ok(s >= 9 && s < 12, `silent: ${s} s`);
    assert.ok(k >= 4 && k < 7, `keep-alive: ${k} s`);
    for (const socket of all) socket.destroy();
  } finally {
    const status = await server.stop();
    assert.equal(status.code, 0);
  }
});
