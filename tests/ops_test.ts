/**
 * Operations: `/healthz`, `/metrics` and the logs, each checked against a
 * real server and real sockets.
 *
 * @module
 */

import assert from "node:assert/strict";
import { closeCodeLabel } from "../lib/ops/metrics.ts";
import { isLocalAddress } from "../lib/ops/access.ts";
import { escapeLabel, Exposition } from "../lib/ops/prometheus.ts";
import { VERSION } from "../lib/ops/version.ts";
import { pair, startTestServer, TestClient } from "./helpers.ts";
import { createChatApp } from "../main.ts";
import { type Config, defaultConfig, loadConfig } from "../lib/ops/config.ts";
import { Logger } from "../lib/ops/log.ts";
import { release } from "../lib/server.ts";
import { spawnServer } from "./server_process.ts";
import { SERVER_PERMISSIONS } from "../lib/ops/permissions.ts";

/** One parsed sample line of the Prometheus text format. */
interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses an exposition strictly: every sample belongs to a family announced
 * by `# HELP` and `# TYPE` lines before it, and every line has the shape the
 * 0.0.4 text format allows.
 */
function parseExposition(text: string): PromSample[] {
  assert.ok(text.endsWith("\n"), "exposition ends with a newline");
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: PromSample[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    const head = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (head) {
      if (head[1] === "HELP") helped.add(head[2]);
      else {
        assert.match(head[3], /^(counter|gauge|histogram|summary|untyped)$/);
        types.set(head[2], head[3]);
      }
      continue;
    }
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_]\w*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$/
        .exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, rawLabels, rawValue] = m;
    const family = types.has(name)
      ? name
      : name.replace(/_(bucket|sum|count)$/, "");
    assert.ok(types.has(family), `${name} has no # TYPE before it`);
    assert.ok(helped.has(family), `${name} has no # HELP before it`);
    const labels: Record<string, string> = {};
    for (
      const [, k, v] of (rawLabels ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)
    ) {
      labels[k] = v.replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c);
    }
    const value = rawValue === "+Inf" ? Infinity : Number(rawValue);
    assert.ok(!Number.isNaN(value), `bad value in ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of the sample `name` with exactly `labels`, or undefined. */
function valueOf(
  samples: PromSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find((s) =>
    s.name === name &&
    JSON.stringify(Object.entries(s.labels).sort()) ===
      JSON.stringify(Object.entries(labels).sort())
  )?.value;
}

async function scrape(
  url: string,
  init?: RequestInit,
): Promise<PromSample[]> {
  const res = await fetch(`${url}/metrics`, init);
  assert.equal(res.status, 200);
  assert.equal(
    res.headers.get("content-type"),
    "text/plain; version=0.0.4; charset=utf-8",
  );
  return parseExposition(await res.text());
}

/** Retries `check` until it stops throwing (for figures that settle). */
async function eventually(check: () => Promise<void>, ms = 3000) {
  const deadline = Date.now() + ms;
  while (true) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

Deno.test("Exposition writes cumulative histograms and escapes labels", () => {
  const text = new Exposition()
    .counter("x_total", "Some\\thing\nelse.", [
      { labels: { reason: 'a"b\\c\nd' }, value: 2 },
    ])
    .histogram("wait_seconds", "Waits.", {
      bounds: [0.1, 1],
      counts: [1, 2, 3],
      sum: 9.5,
    })
    .toString();
  assert.equal(
    text,
    [
      "# HELP x_total Some\\\\thing\\nelse.",
      "# TYPE x_total counter",
      'x_total{reason="a\\"b\\\\c\\nd"} 2',
      "# HELP wait_seconds Waits.",
      "# TYPE wait_seconds histogram",
      'wait_seconds_bucket{le="0.1"} 1',
      'wait_seconds_bucket{le="1"} 3',
      'wait_seconds_bucket{le="+Inf"} 6',
      "wait_seconds_sum 9.5",
      "wait_seconds_count 6",
      "",
    ].join("\n"),
  );
  assert.equal(escapeLabel("plain"), "plain");
  const parsed = parseExposition(text);
  assert.equal(valueOf(parsed, "x_total", { reason: 'a"b\\c\nd' }), 2);
});

Deno.test("/healthz and /metrics reflect a real chat: two pair and exchange 3 lines, a third waits", async () => {
  await using server = await startTestServer();
  const idle = await fetch(`${server.url}/healthz`);
  assert.equal(idle.status, 200);
  assert.equal(idle.headers.get("cache-control"), "no-store");
  const idleBody = await idle.json();
  assert.equal(idleBody.status, "ok");
  assert.equal(idleBody.version, VERSION);
  assert.equal(typeof idleBody.uptime, "number");
  assert.deepEqual(
    {
      connections: idleBody.connections,
      waiting: idleBody.waiting,
      pairs: idleBody.pairs,
    },
    { connections: 0, waiting: 0, pairs: 0 },
  );
  assert.deepEqual(idleBody.backend, { kind: "memory", up: true });

  const [a, b] = await pair(server.wsUrl);
  for (
    const [from, to, text, seq] of [[a, b, "one", 1], [b, a, "two", 1], [
      a,
      b,
      "three",
      2,
    ]] as const
  ) {
    from.send({ type: "message", message: text });
    assert.deepEqual(await from.next("message"), {
      type: "message",
      message: text,
      from: "me",
      seq,
    });
    assert.deepEqual(await to.next("message"), {
      type: "message",
      message: text,
      from: "guest",
      seq,
    });
  }
  const waiter = await TestClient.open(server.wsUrl);
  waiter.send({ type: "request" });
  waiter.send("not json");
  assert.equal((await waiter.next("error")).code, "bad_json");

  const health = await (await fetch(`${server.url}/healthz`)).json();
  assert.equal(health.status, "ok");
  assert.equal(health.connections, 3);
  assert.equal(health.online, 3);
  assert.equal(health.waiting, 1);
  assert.equal(health.pairs, 1);

  const m = await scrape(server.url);
  assert.equal(valueOf(m, "strangers_build_info", { version: VERSION }), 1);
  assert.equal(valueOf(m, "strangers_up"), 1);
  assert.equal(valueOf(m, "strangers_connections"), 3);
  assert.equal(valueOf(m, "strangers_waiting"), 1);
  assert.equal(valueOf(m, "strangers_chatting"), 2);
  assert.equal(valueOf(m, "strangers_pairs_active"), 1);
  assert.equal(valueOf(m, "strangers_pairs_total"), 1);
  assert.equal(valueOf(m, "strangers_messages_relayed_total"), 3);
  assert.equal(
    valueOf(m, "strangers_frames_rejected_total", { reason: "bad_json" }),
    1,
  );
  // Both visitors of the pair waited once.
  assert.equal(valueOf(m, "strangers_pairing_wait_seconds_count"), 2);
  assert.equal(
    valueOf(m, "strangers_pairing_wait_seconds_bucket", { le: "+Inf" }),
    2,
  );
  const buckets = m.filter((s) =>
    s.name === "strangers_pairing_wait_seconds_bucket"
  );
  assert.equal(buckets.length, 11);
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i].value >= buckets[i - 1].value, "cumulative");
  }
  assert.ok(valueOf(m, "strangers_pairing_wait_seconds_sum")! >= 0);
  assert.ok(valueOf(m, "process_resident_memory_bytes")! > 0);
  assert.ok(valueOf(m, "strangers_heap_used_bytes")! > 0);
  assert.equal(valueOf(m, "strangers_uncaught_errors_total"), 0);
  assert.equal(valueOf(m, "strangers_deliveries_lost_total"), 0);

  await a.close();
  assert.equal((await b.closed).code, 4000);
  await eventually(async () => {
    const after = await scrape(server.url);
    assert.equal(
      valueOf(after, "strangers_ws_closes_total", { code: "1000" }),
      1,
    );
    assert.equal(
      valueOf(after, "strangers_ws_closes_total", { code: "4000" }),
      1,
    );
    assert.equal(valueOf(after, "strangers_connections"), 1);
    assert.equal(valueOf(after, "strangers_pairs_active"), 0);
    assert.equal(valueOf(after, "strangers_pairs_total"), 1);
  });
  await waiter.close();
});

Deno.test("/metrics with METRICS_TOKEN refuses without the bearer token", async () => {
  await using server = await startTestServer({ metricsToken: "s3cret-token" });
  for (
    const authorization of [
      undefined,
      "Bearer wrong",
      "Bearer s3cret-toke",
      "Bearer s3cret-token-longer",
      "Basic s3cret-token",
      "s3cret-token",
    ]
  ) {
    const res = await fetch(`${server.url}/metrics`, {
      headers: authorization ? { authorization } : {},
    });
    assert.equal(res.status, 401, `${authorization} must be refused`);
    assert.equal(
      res.headers.get("www-authenticate"),
      'Bearer realm="metrics"',
    );
    assert.ok(!(await res.text()).includes("strangers_"));
  }
  const m = await scrape(server.url, {
    headers: { authorization: "Bearer s3cret-token" },
  });
  assert.equal(valueOf(m, "strangers_connections"), 0);
  // Health stays open to load balancers.
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  // Not linked from the public page.
  const page = await (await fetch(server.url)).text();
  assert.ok(!page.includes("/metrics"));
});

Deno.test("/healthz answers HEAD and refuses POST with 405", async () => {
  await using server = await startTestServer();
  const head = await fetch(`${server.url}/healthz`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const post = await fetch(`${server.url}/healthz`, { method: "POST" });
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

Deno.test("/healthz answers 503 while the pairing backend is down", async () => {
  await using server = await startTestServer();
  server.handle.state.backendUp = () => false;
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.status, "backend_down");
  assert.deepEqual(body.backend, { kind: "memory", up: false });
  const m = await scrape(server.url);
  assert.equal(valueOf(m, "strangers_backend_up"), 0);
  assert.equal(valueOf(m, "strangers_up"), 0);
});

/**
 * A WebSocket client on a bare TCP socket that completes the handshake and
 * then never answers a close frame: the server keeps waiting for it, which
 * holds a graceful shutdown open for as long as the test needs.
 */
async function stubbornSocket(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const key = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
  );
  await conn.write(new TextEncoder().encode(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Version: 13\r\n\r\n`,
  ));
  const head = await readUntil(
    conn,
    (bytes) => new TextDecoder().decode(bytes).includes("\r\n\r\n"),
  );
  assert.match(new TextDecoder().decode(head), /^HTTP\/1\.1 101 /);
  return conn;
}

/** Reads from `conn` until `done(everything read so far)`. */
async function readUntil(
  conn: Deno.TcpConn,
  done: (bytes: Uint8Array) => boolean,
): Promise<Uint8Array> {
  let all = new Uint8Array(0);
  const buf = new Uint8Array(4096);
  while (!done(all)) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("connection closed while reading");
    const next = new Uint8Array(all.length + n);
    next.set(all);
    next.set(buf.subarray(0, n), all.length);
    all = next;
  }
  return all;
}

/** The close code of the first close frame (opcode 8) in server frames. */
function closeCode(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i] & 0x0f;
    let length = bytes[i + 1] & 0x7f;
    let start = i + 2;
    if (length === 126) {
      length = (bytes[i + 2] << 8) | bytes[i + 3];
      start = i + 4;
    }
    if (start + length > bytes.length) return undefined;
    if (opcode === 8) return (bytes[start] << 8) | bytes[start + 1];
    i = start + length;
  }
  return undefined;
}

Deno.test("/healthz answers 503 during a graceful shutdown held open by a socket that never finishes closing", async () => {
  const server = await startTestServer();
  const { state } = server.handle;
  const conn = await stubbornSocket(server.handle.port);
  let stopped: Promise<void> | undefined;
  try {
    await eventually(() => {
      assert.equal(state.switchboard.connected, 1);
      return Promise.resolve();
    });
    const before = await fetch(`${server.url}/healthz`);
    assert.equal(before.status, 200);
    await before.body?.cancel();

    stopped = server.stop();
    // The server said goodbye with 1001 and now waits for our close frame.
    const frames = await readUntil(conn, (b) => closeCode(b) !== undefined);
    assert.equal(closeCode(frames), 1001);

    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.status, "draining");
    assert.equal(body.version, VERSION);
    const m = await scrape(server.url);
    assert.equal(valueOf(m, "strangers_up"), 0);
    const ws = await fetch(`${server.url}/ws`, {
      headers: { upgrade: "websocket" },
    });
    assert.equal(ws.status, 503);
    await ws.body?.cancel();
  } finally {
    conn.close();
    await (stopped ?? server.stop());
  }
});

/** Two visitors pair, say three secret lines, send junk, and leave. */
async function chatWithSecrets(url: string, secret: string): Promise<void> {
  const [a, b] = await pair(url.replace(/^http/, "ws") + "/ws");
  for (const [from, to] of [[a, b], [b, a], [a, b]]) {
    from.send({ type: "message", message: `${secret} ${from === a}` });
    await from.next("message");
    await to.next("message");
  }
  a.send(`{"type":"message","message":"${secret}",`);
  assert.equal((await a.next("error")).code, "bad_json");
  a.send({ type: "message", message: secret.repeat(500) });
  assert.equal((await a.next("error")).code, "message_too_long");
  await a.close();
  assert.equal((await b.closed).code, 4000);
}

Deno.test("main.ts in LOG_FORMAT=json writes only JSON lines, never the chat text", async (t) => {
  // spawnServer() sets LOG_FORMAT=json unless told otherwise.
  const secret = "Zebra-7f3a secret words";

  await t.step(
    "without LOG_IPS: events with durations and codes, no addresses",
    async () => {
      const server = await spawnServer({ env: { LOG_LEVEL: "debug" } });
      let result;
      try {
        await chatWithSecrets(server.url, secret);
        // The close of the second socket is logged once the server saw it.
        await eventually(() => {
          assert.equal(
            server.stdout.filter((l) => l.includes('"ws_close"')).length,
            2,
          );
          return Promise.resolve();
        });
      } finally {
        result = await server.stop();
      }
      assert.equal(result.code, 0);
      const all = [...server.stdout, ...server.stderr];
      assert.ok(all.length > 0);
      for (const line of all) {
        const entry = JSON.parse(line);
        assert.equal(typeof entry, "object", line);
        assert.equal(typeof entry.time, "string", line);
        assert.match(entry.level, /^(debug|info|warn|error)$/, line);
        assert.equal(typeof entry.event, "string", line);
        assert.ok(!line.includes("Zebra"), `chat text leaked: ${line}`);
        assert.ok(!("ip" in entry), `address logged without LOG_IPS: ${line}`);
        assert.ok(!line.includes("127.0.0.1:") || entry.event === "listening");
      }
      const events = all.map((l) => JSON.parse(l));
      const names = events.map((e) => e.event);
      assert.equal(names[0], "listening");
      assert.equal(names.filter((n) => n === "ws_open").length, 2);
      const closes = events.filter((e) => e.event === "ws_close");
      assert.deepEqual(closes.map((e) => e.code).sort(), [1000, 4000]);
      for (const e of closes) assert.equal(typeof e.seconds, "number");
      assert.deepEqual(
        events.filter((e) => e.event === "frame_rejected").map((e) => e.code),
        ["bad_json", "message_too_long"],
      );
      assert.ok(names.includes("shutdown"), "stop is logged");
    },
  );

  await t.step(
    "with LOG_IPS=1 opens and closes carry the address",
    async () => {
      const server = await spawnServer({
        env: { LOG_LEVEL: "debug", LOG_IPS: "1" },
      });
      let result;
      try {
        const client = await TestClient.open(server.wsUrl);
        await client.close();
        await eventually(() => {
          assert.ok(server.stdout.some((l) => l.includes('"ws_close"')));
          return Promise.resolve();
        });
      } finally {
        result = await server.stop();
      }
      assert.equal(result.code, 0);
      const events = [...server.stdout, ...server.stderr].map((l) =>
        JSON.parse(l)
      );
      for (const name of ["ws_open", "ws_close"]) {
        assert.equal(events.find((e) => e.event === name)?.ip, "127.0.0.1");
      }
    },
  );

  await t.step(
    "at LOG_LEVEL=info the per-socket lines are left out",
    async () => {
      const server = await spawnServer({ env: { LOG_LEVEL: "info" } });
      try {
        const client = await TestClient.open(server.wsUrl);
        await client.close();
      } finally {
        await server.stop();
      }
      const events = [...server.stdout, ...server.stderr].map((l) =>
        JSON.parse(l)
      );
      assert.deepEqual(events.map((e) => e.event), [
        "listening",
        "shutdown",
        "stopped",
      ]);
    },
  );
});

Deno.test("closeCodeLabel() keeps known close codes and buckets the rest", () => {
  for (const code of [1000, 1001, 1006, 1008, 1009, 1011, 4000, 4001, 4002]) {
    assert.equal(closeCodeLabel(code), code);
  }
  assert.equal(closeCodeLabel(3000), "other_3xxx");
  assert.equal(closeCodeLabel(4999), "other_4xxx");
  assert.equal(closeCodeLabel(4010), "other_4xxx");
  assert.equal(closeCodeLabel(1999), "other_1xxx");
  assert.equal(closeCodeLabel(5000), "other");
  assert.equal(closeCodeLabel(0), "other");
});

Deno.test("/metrics: close codes a client chooses make a few bucketed labels, not one each", async () => {
  await using server = await startTestServer({
    maxSocketsPerIp: 0,
    maxHandshakesPerMinute: 0,
    powMode: "off",
  });
  for (let code = 3000; code < 3100; code++) {
    const client = await TestClient.open(server.wsUrl);
    await client.close(code);
  }
  for (const code of [4500, 4999, 1000]) {
    const client = await TestClient.open(server.wsUrl);
    await client.close(code);
  }
  const { closes } = server.handle.state.metrics;
  // The server sees a close when it is done; wait for the last.
  for (let i = 0; i < 100 && (closes.get(1000) ?? 0) < 1; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(
    new Map(
      [...closes].toSorted(([a], [b]) => String(a) < String(b) ? -1 : 1),
    ),
    new Map<number | string, number>([
      [1000, 1],
      ["other_3xxx", 100],
      ["other_4xxx", 2],
    ]),
  );
  const res = await fetch(server.url + "/metrics");
  const text = await res.text();
  const labels = text.split("\n")
    .filter((l) => l.startsWith("strangers_ws_closes_total{"));
  assert.deepEqual(labels.toSorted(), [
    'strangers_ws_closes_total{code="1000"} 1',
    'strangers_ws_closes_total{code="other_3xxx"} 100',
    'strangers_ws_closes_total{code="other_4xxx"} 2',
  ]);
});

Deno.test("/healthz shows its counts only with METRICS_TOKEN or from the local network", async (t) => {
  const chat = await createChatApp(
    defaultConfig({
      logLevel: "error",
      dataDir: ":memory:",
      metricsToken: "s3cret-token",
    }),
    { log: new Logger({ format: "json", level: "error", write() {} }) },
  );
  await using _ = { [Symbol.asyncDispose]: () => release(chat.state) };
  const from = (hostname: string, headers: HeadersInit = {}) =>
    chat.app.handler(new Request("http://localhost/healthz", { headers }), {
      remoteAddr: { transport: "tcp", hostname, port: 40000 },
      completed: Promise.resolve(),
    } as Deno.ServeHandlerInfo<Deno.NetAddr>);
  const keys = async (res: Response) => {
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    return Object.keys(await res.json()).toSorted();
  };
  const PUBLIC = ["backend", "status", "uptime", "version"];
  const FULL = [...PUBLIC, "connections", "online", "pairs", "waiting"]
    .toSorted();
  await t.step(
    "a public address sees status, version, uptime, backend",
    async () => {
      assert.deepEqual(await keys(await from("203.0.113.5")), PUBLIC);
      assert.deepEqual(await keys(await from("2001:db8::5")), PUBLIC);
      const wrong = { authorization: "Bearer not-the-token" };
      assert.deepEqual(await keys(await from("203.0.113.5", wrong)), PUBLIC);
    },
  );
  await t.step("the token shows the counts from anywhere", async () => {
    const right = { authorization: "Bearer s3cret-token" };
    assert.deepEqual(await keys(await from("203.0.113.5", right)), FULL);
  });
  await t.step(
    "the local network sees the counts without the token",
    async () => {
      for (
        const peer of ["127.0.0.1", "::1", "10.1.2.3", "192.168.0.9", "fd00::1"]
      ) {
        assert.deepEqual(await keys(await from(peer)), FULL, peer);
      }
    },
  );
  await t.step("a request a local proxy forwarded is not local", async () => {
    const proxied = { "x-forwarded-for": "203.0.113.5" };
    assert.deepEqual(await keys(await from("127.0.0.1", proxied)), PUBLIC);
    const forwarded = { forwarded: "for=203.0.113.5" };
    assert.deepEqual(await keys(await from("127.0.0.1", forwarded)), PUBLIC);
  });
});

Deno.test("/metrics answers only the local network unless METRICS_TOKEN or METRICS_PUBLIC opens it", async (t) => {
  const log = new Logger({ format: "json", level: "error", write() {} });
  const open = async (overrides: Partial<Config>) => {
    const chat = await createChatApp(
      defaultConfig({ logLevel: "error", dataDir: ":memory:", ...overrides }),
      { log },
    );
    const from = (hostname: string, headers: HeadersInit = {}) =>
      chat.app.handler(new Request("http://localhost/metrics", { headers }), {
        remoteAddr: { transport: "tcp", hostname, port: 40000 },
        completed: Promise.resolve(),
      } as Deno.ServeHandlerInfo<Deno.NetAddr>);
    return { from, [Symbol.asyncDispose]: () => release(chat.state) };
  };
  const status = async (res: Promise<Response>) => {
    const answer = await res;
    const body = await answer.text();
    assert.equal(answer.headers.get("cache-control"), "no-store");
    if (answer.status !== 200) assert.ok(!body.includes("strangers_"), body);
    return answer.status;
  };
  await t.step(
    "by default: 200 to the local network, 403 to others",
    async () => {
      await using app = await open({});
      for (const peer of ["127.0.0.1", "::1", "10.1.2.3", "192.168.0.9"]) {
        assert.equal(await status(app.from(peer)), 200, peer);
      }
      for (const peer of ["203.0.113.5", "2001:db8::5"]) {
        assert.equal(await status(app.from(peer)), 403, peer);
      }
      const res = await app.from("203.0.113.5");
      assert.match(await res.text(), /METRICS_TOKEN/);
    },
  );
  await t.step("a request a local proxy forwarded is not local", async () => {
    await using app = await open({});
    const proxied = { "x-forwarded-for": "203.0.113.5" };
    assert.equal(await status(app.from("127.0.0.1", proxied)), 403);
    const forwarded = { forwarded: "for=203.0.113.5" };
    assert.equal(await status(app.from("127.0.0.1", forwarded)), 403);
  });
  await t.step("METRICS_PUBLIC=true opens it to every address", async () => {
    await using app = await open({ metricsPublic: true });
    assert.equal(await status(app.from("203.0.113.5")), 200);
    const proxied = { "x-forwarded-for": "203.0.113.5" };
    assert.equal(await status(app.from("127.0.0.1", proxied)), 200);
  });
  await t.step(
    "METRICS_TOKEN is needed from everywhere, even loopback",
    async () => {
      await using app = await open({ metricsToken: "s3cret-token" });
      const right = { authorization: "Bearer s3cret-token" };
      assert.equal(await status(app.from("127.0.0.1")), 401);
      assert.equal(await status(app.from("203.0.113.5", right)), 200);
    },
  );
  await t.step("the option parses from the environment", () => {
    const env = (name: string) =>
      name === "METRICS_PUBLIC" ? "true" : undefined;
    assert.equal(loadConfig([], env).metricsPublic, true);
    assert.equal(defaultConfig().metricsPublic, false);
  });
});

Deno.test("main.ts on a taken port says so in one line and exits 1, on either listener", async (t) => {
  using held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = held.addr;
  for (const edge of ["node", "deno"]) {
    await t.step(`WS_EDGE=${edge}`, async () => {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...SERVER_PERMISSIONS,
          new URL("../main.ts", import.meta.url).pathname,
          "--hostname",
          "127.0.0.1",
          "--data-dir",
          ":memory:",
        ],
        env: { PORT: String(port), WS_EDGE: edge, LOG_FORMAT: "json" },
        stdin: "null",
      }).output();
      const err = new TextDecoder().decode(stderr).trim();
      assert.equal(code, 1, err);
      assert.equal(
        err,
        `strangers: port ${port} is already in use (set PORT or --port)`,
      );
      assert.doesNotMatch(new TextDecoder().decode(stdout), /listening/);
    });
  }
});

Deno.test("isLocalAddress() knows loopback and private ranges, and nothing else", () => {
  for (
    const a of [
      "127.0.0.1",
      "::1",
      "10.0.0.1",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.0.1",
      "fc00::1",
      "fe80::1%eth0",
      "::ffff:127.0.0.1",
    ]
  ) {
    assert.ok(isLocalAddress(a), a);
  }
  for (
    const a of [
      "8.8.8.8",
      "172.32.0.1",
      "100.64.0.1",
      "2001:db8::1",
      "::",
      "localhost",
      "",
    ]
  ) {
    assert.ok(!isLocalAddress(a), a);
  }
});
