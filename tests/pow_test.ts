import assert from "node:assert/strict";
import { type Challenge, solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import { startServer } from "../main.ts";
import { Moderation } from "../lib/moderation/moderation.ts";
import { ProofOfWork } from "../lib/moderation/pow.ts";
import { defaultConfig } from "../lib/ops/config.ts";
import { Logger } from "../lib/ops/log.ts";
import { type Frame, startTestServer, TestClient } from "./helpers.ts";
import { prng, RawSocket } from "./security_helpers.ts";
import { FakeClock } from "./support/clock.ts";

/** Small challenges: a few hundred hashes each. */
const EASY = { powMaxNumber: 500 } as const;

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);

/** Solves a challenge and encodes the payload as the `altcha` widget does. */
async function solve(challenge: unknown): Promise<string> {
  assert.equal(typeof challenge, "object", "the error carries a challenge");
  const c = challenge as Challenge;
  const solution = await solveChallenge({ challenge: c, deriveKey });
  assert.ok(solution, "solvable");
  return btoa(JSON.stringify({
    challenge: { parameters: c.parameters, signature: c.signature },
    solution,
  }));
}

/**
 * Sends `request` and, refused with `pow_required`, solves the challenge
 * and sends `request` again with `pow`, as the page does; the payload.
 */
async function solvedRequest(client: TestClient): Promise<string> {
  client.send({ type: "request" });
  const asked = await client.next("error");
  assert.equal(asked.code, "pow_required");
  const payload = await solve(asked.challenge);
  client.send({ type: "request", pow: payload });
  return payload;
}

/** A raw client whose address is `address` (the server trusts the proxy). */
async function from(port: number, address: string): Promise<RawSocket> {
  const raw = await RawSocket.connect(port, {
    headers: { "X-Forwarded-For": address },
  });
  assert.equal(raw.status, 101);
  return raw;
}

async function closeRaw(raw: RawSocket): Promise<void> {
  await raw.sendFrame(8, new Uint8Array([0x03, 0xe8]));
  await raw.closeCode();
  raw.drop();
}

Deno.test("/ws proof of work, always: no solution is refused; solving pairs; a reused one is refused", async () => {
  await using server = await startTestServer({ powMode: "always", ...EASY });
  const a = await TestClient.open(server.wsUrl);
  const b = await TestClient.open(server.wsUrl);
  a.send({ type: "request" });
  const asked = await a.next("error");
  assert.equal(asked.code, "pow_required");
  assert.match(String(asked.reason), /pow/);
  const challenge = asked.challenge as Record<string, Record<string, unknown>>;
  assert.equal(challenge.parameters.algorithm, "SHA-256");
  const used = await solve(challenge);
  a.send({ type: "request", pow: used });
  await solvedRequest(b);
  await Promise.all([a.next("response"), b.next("response")]);
  a.send({ type: "message", message: "solved" });
  assert.equal((await b.next("message")).message, "solved");

  const c = await TestClient.open(server.wsUrl);
  c.send({ type: "request", pow: used });
  const reused = await c.next("error");
  assert.equal(reused.code, "pow_invalid");
  assert.match(String(reused.reason), /already used/);
  assert.equal(typeof reused.challenge, "object", "with a fresh challenge");
  c.send({ type: "request", pow: await solve(reused.challenge) });
  const d = await TestClient.open(server.wsUrl);
  await solvedRequest(d);
  await Promise.all([c.next("response"), d.next("response")]);
  assert.equal(server.handle.state.metrics.uncaught, 0);
  for (const client of [a, b, c, d]) await client.close();
});

Deno.test("/ws proof of work: a solution past its five minutes is refused", async () => {
  const clock = new FakeClock();
  // altcha-lib checks expiry on the real clock too: start at real time.
  clock.time = Date.now();
  const config = defaultConfig({
    port: 0,
    hostname: "127.0.0.1",
    dataDir: ":memory:",
    powMode: "always",
    ...EASY,
  });
  const moderation = await Moderation.open(config, { clock });
  const pow = new ProofOfWork({
    mode: "always",
    maxNumber: config.powMaxNumber,
    handshakes: 0,
    shortChats: 0,
    useOnce: (key, until) => moderation.store.useOnce(key, until),
    clock,
  });
  const log = new Logger({ format: "json", level: "error", write() {} });
  const handle = await startServer(config, { log, moderation, pow });
  try {
    const url = `ws://127.0.0.1:${handle.port}/ws`;
    const a = await TestClient.open(url);
    a.send({ type: "request" });
    const late = await solve((await a.next("error")).challenge);
    clock.advance(300_000);
    a.send({ type: "request", pow: late });
    const refused = await a.next("error");
    assert.equal(refused.code, "pow_invalid");
    assert.match(String(refused.reason), /expired/);
    // Its fresh challenge, solved in time, is taken.
    a.send({ type: "request", pow: await solve(refused.challenge) });
    const b = await TestClient.open(url);
    await solvedRequest(b);
    await Promise.all([a.next("response"), b.next("response")]);
    await a.close();
    await b.close();
  } finally {
    await handle.shutdown();
    await handle.finished;
  }
});

Deno.test("/ws proof of work, suspicious: 30 rapid handshakes from one address ask for it, a fresh address is not asked", async () => {
  await using server = await startTestServer({
    powMode: "suspicious",
    trustProxy: "x-forwarded-for",
    ...EASY,
  });
  const port = server.handle.port;
  const fresh = [
    await from(port, "203.0.113.1"),
    await from(port, "203.0.113.2"),
  ];
  for (const raw of fresh) await raw.sendText('{"type":"request"}');
  for (const raw of fresh) {
    assert.equal((await raw.nextJson("response"))?.type, "response");
  }
  // 127.0.0.1 (no trusted header): 29 handshakes, then the 30th.
  for (let i = 0; i < 29; i++) {
    const client = await TestClient.open(server.wsUrl);
    await client.close();
  }
  const rapid = await TestClient.open(server.wsUrl);
  await solvedRequest(rapid);
  const partner = await from(port, "203.0.113.3");
  await partner.sendText('{"type":"request"}');
  assert.ok(await partner.nextJson("response"));
  await rapid.next("response");
  // Solved once: the next request from that address is not asked again.
  const next = await TestClient.open(server.wsUrl);
  next.send({ type: "request" });
  const other = await from(port, "203.0.113.4");
  await other.sendText('{"type":"request"}');
  assert.ok(await other.nextJson("response"));
  await next.next("response");
  assert.deepEqual(next.pending("error"), []);
  for (const raw of [...fresh, partner, other]) await closeRaw(raw);
  await rapid.close();
  await next.close();
});

Deno.test("/ws proof of work, off: after 30 handshakes, no frame ever mentions it", async () => {
  await using server = await startTestServer({ powMode: "off" });
  for (let i = 0; i < 30; i++) {
    const client = await TestClient.open(server.wsUrl);
    await client.close();
  }
  const heard: string[] = [];
  const a = await TestClient.open(server.wsUrl);
  const b = await TestClient.open(server.wsUrl);
  for (const client of [a, b]) {
    client.socket.addEventListener("message", (e) => heard.push(e.data));
  }
  a.send({ type: "request" });
  b.send({ type: "request", pow: "ignored when off" });
  await Promise.all([a.next("response"), b.next("response")]);
  a.send({ type: "message", message: "hi" });
  await b.next("message");
  a.send({ type: "request" });
  await a.next("error");
  assert.ok(heard.length >= 4);
  for (const frame of heard) assert.doesNotMatch(frame, /pow|challenge/i);
  await a.close();
  await b.close();
});

/** One hostile `request` frame, and whether its `pow` reaches the check. */
function hostile(random: () => number, good: string): {
  frame: string;
  checked: boolean;
} {
  const int = (n: number) => Math.floor(random() * n);
  const request = (pow: unknown) => JSON.stringify({ type: "request", pow });
  // Past 2048 characters the protocol refuses it (bad_frame) first.
  const checked = (pow: string) => ({
    frame: request(pow),
    checked: pow.length <= 2048,
  });
  const refused = (pow: unknown) => ({ frame: request(pow), checked: false });
  const decoded = () => JSON.parse(atob(good));
  switch (int(9)) {
    case 0: // over the protocol's 2048 characters
      return refused("A".repeat(2049 + int(12_000)));
    case 1: // not base64
      return checked(
        Array.from(
          { length: 1 + int(200) },
          () => String.fromCharCode(int(0x3000)),
        )
          .join(""),
      );
    case 2: { // base64 of a JSON bomb
      const depth = 1 + int(1400);
      return checked(
        btoa(random() < 0.5 ? "[".repeat(depth) : '{"a":'.repeat(depth)),
      );
    }
    case 3: // not a string
      return refused(
        [0, -1, 1e308, true, null, {}, [], [good], { pow: good }][int(9)],
      );
    case 4: { // one hex digit of a signed or derived value changed
      const value = decoded();
      const p = value.challenge.parameters;
      const [holder, key] = [
        [value.challenge, "signature"],
        [value.solution, "derivedKey"],
        [p, "nonce"],
        [p, "salt"],
        [p, "keyPrefix"],
        [p, "keySignature"],
      ][int(6)];
      const text: string = holder[key];
      const at = int(text.length);
      const digit = ((parseInt(text[at], 16) + 1 + int(15)) % 16).toString(16);
      holder[key] = text.slice(0, at) + digit + text.slice(at + 1);
      return checked(btoa(JSON.stringify(value)));
    }
    case 5: // the good payload cut short
      return checked(good.slice(0, int(good.length)) || "A");
    case 6: { // hostile fields
      const value = decoded();
      const edits = [
        () => value.solution.counter = [-1, 2 ** 32, 1.5, "1", null][int(5)],
        () => value.solution.derivedKey = ["", "zz", 7, "A".repeat(64)][int(4)],
        () => value.challenge.parameters.cost = [0, 2, "1"][int(3)],
        () => value.challenge.parameters.expiresAt += 1 + int(1e6),
        () => value.challenge.signature = { toString: "x" },
        () => value.challenge = JSON.parse('{"__proto__":{"signature":"00"}}'),
        () => value.solution = [value.solution],
      ];
      edits[int(edits.length)]();
      return checked(btoa(JSON.stringify(value)));
    }
    case 7: // the frame itself broken around pow
      return {
        frame: '{"type":"request","pow":' + "[".repeat(int(5000)),
        checked: false,
      };
    default: // random bytes, base64
      return checked(
        btoa(
          String.fromCharCode(
            ...Array.from({ length: int(1500) }, () => int(256)),
          ),
        ) || "A",
      );
  }
}

/** The next `error` frame of `code`, each one before it of an `allowed` code. */
async function nextError(
  client: TestClient,
  code: string,
  allowed: ReadonlySet<string>,
): Promise<Frame> {
  while (true) {
    const frame = await client.next("error");
    assert.ok(allowed.has(String(frame.code)), `answer ${frame.code}`);
    if (frame.code === code) return frame;
  }
}

Deno.test(`/ws proof of work fuzz (seed ${SEED}): hostile pow values are refused, nothing passes, nothing crashes`, async () => {
  await using server = await startTestServer({
    powMode: "always",
    rateMessages: 1_000_000,
    rateBurst: 1_000_000,
    ...EASY,
  });
  const random = prng(SEED);
  // A visitor waits: any hostile value that passed would be paired with it.
  const waiting = await TestClient.open(server.wsUrl);
  await solvedRequest(waiting);
  const bot = await TestClient.open(server.wsUrl);
  bot.send({ type: "request" });
  const good = await solve((await bot.next("error")).challenge);
  const allowed = new Set(["pow_invalid", "bad_frame", "bad_json"]);
  for (let i = 0; i < 150; i++) {
    const { frame, checked } = hostile(random, good);
    bot.send(frame);
    if (!checked) continue;
    const answer = await nextError(bot, "pow_invalid", allowed);
    assert.equal(typeof answer.challenge, "object");
  }
  assert.deepEqual(bot.pending("response"), []);
  assert.deepEqual(waiting.pending("response"), []);
  for (const frame of bot.pending("error")) {
    assert.ok(allowed.has(String(frame.code)), `answer ${frame.code}`);
  }
  // The good payload itself was never taken by a hostile variant.
  bot.send({ type: "request", pow: good });
  await Promise.all([bot.next("response"), waiting.next("response")]);
  assert.equal(server.handle.state.metrics.uncaught, 0);
  await bot.close();
  await waiting.close();
});
