import assert from "node:assert/strict";
import { type Challenge, solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import { FakeClock } from "../../tests/support/clock.ts";
import { KvModerationStore } from "./store_kv.ts";
import { parsePayload, POW_ALGORITHM, ProofOfWork } from "./pow.ts";
import type { PowMode } from "./pow.ts";

/** A proof of work on a real in-memory store and a fake clock at real time. */
async function setup(mode: PowMode = "always", maxNumber = 2000) {
  const clock = new FakeClock();
  // altcha-lib checks expiry on the real clock too: start at real time.
  clock.time = Date.now();
  const store = await KvModerationStore.open(":memory:", { clock });
  const pow = new ProofOfWork({
    mode,
    maxNumber,
    handshakes: 20,
    shortChats: 8,
    useOnce: (key, until) => store.useOnce(key, until),
    clock,
  });
  return {
    clock,
    pow,
    [Symbol.asyncDispose]: () => store.close(),
  };
}

/** Solves `challenge` and encodes the payload as the `altcha` widget does. */
async function solve(challenge: Record<string, unknown>): Promise<string> {
  const c = challenge as unknown as Challenge;
  const solution = await solveChallenge({ challenge: c, deriveKey });
  assert.ok(solution, "solvable");
  return btoa(JSON.stringify({
    challenge: { parameters: c.parameters, signature: c.signature },
    solution,
  }));
}

// deno-lint-ignore no-explicit-any
type Loose = any;

/** `payload` decoded, changed by `edit`, encoded again. */
function tamper(payload: string, edit: (p: Loose) => void): string {
  const value = JSON.parse(atob(payload));
  edit(value);
  return btoa(JSON.stringify(value));
}

Deno.test("ProofOfWork.required(): off never, always always, suspicious by counts or reports", async () => {
  for (
    const [mode, fresh, flagged] of [
      ["off", false, false],
      ["always", true, true],
      ["suspicious", false, true],
    ] as const
  ) {
    await using w = await setup(mode);
    for (let i = 0; i < 100; i++) w.pow.handshake("other");
    assert.equal(w.pow.required("a", false), fresh, mode);
    assert.equal(w.pow.required("a", true), flagged, mode + " flagged");
  }
  await using w = await setup("suspicious");
  for (let i = 0; i < 21; i++) w.pow.handshake("a");
  assert.equal(w.pow.required("a", false), true, "past 20 handshakes");
  for (let i = 0; i < 9; i++) w.pow.chatEnded("b", 1);
  assert.equal(w.pow.required("b", false), true, "past 8 short chats");
  w.pow.solved("a");
  assert.equal(w.pow.required("a", false), false, "cleared by a solution");
  assert.equal(w.pow.required("a", true), true, "open reports still ask");
});

Deno.test("ProofOfWork.challenge() is what the altcha widget takes, and keeps its answer secret", async () => {
  await using w = await setup("always", 5000);
  const challenge = await w.pow.challenge();
  assert.deepEqual(JSON.parse(JSON.stringify(challenge)), challenge);
  const p = challenge.parameters as Record<string, unknown>;
  // The widget's isChallengeValid: parameters with algorithm, nonce, salt,
  // keyPrefix; SHA-256 is bundled with it.
  assert.equal(p.algorithm, POW_ALGORITHM);
  for (const key of ["nonce", "salt", "keyPrefix"]) {
    assert.match(String(p[key]), /^[0-9a-f]+$/, key);
  }
  assert.match(String(challenge.signature), /^[0-9a-f]{64}$/);
  assert.equal(p.expiresAt, Math.floor((w.clock.now() + 300_000) / 1000));
  assert.ok(!JSON.stringify(challenge).includes("counter"));
  const solution = await solveChallenge({
    challenge: challenge as unknown as Challenge,
    deriveKey,
  });
  assert.ok(solution && solution.counter >= 2500 && solution.counter <= 5000);
  const other = await w.pow.challenge();
  assert.notEqual(other.signature, challenge.signature, "fresh each time");
});

Deno.test("ProofOfWork.verify(): a solution is taken once", async () => {
  await using w = await setup();
  const payload = await solve(await w.pow.challenge());
  assert.deepEqual(parsePayload(payload)?.solution.derivedKey.length, 64);
  assert.equal(await w.pow.verify(payload), "ok");
  assert.equal(await w.pow.verify(payload), "reused");
  const second = await solve(await w.pow.challenge());
  assert.equal(await w.pow.verify(second), "ok", "another challenge is fine");
});

Deno.test("ProofOfWork.verify(): a solution expires five minutes after its challenge", async () => {
  await using w = await setup();
  const early = await solve(await w.pow.challenge());
  const late = await solve(await w.pow.challenge());
  w.clock.advance(298_000);
  assert.equal(await w.pow.verify(early), "ok");
  w.clock.advance(2_000);
  assert.equal(await w.pow.verify(late), "expired");
});

Deno.test("ProofOfWork.verify(): a wrong, tampered or foreign solution is invalid", async () => {
  await using w = await setup();
  const payload = await solve(await w.pow.challenge());
  const wrongKey = tamper(payload, (v) => {
    const key: string = v.solution.derivedKey;
    v.solution.derivedKey = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
  });
  assert.equal(await w.pow.verify(wrongKey), "invalid");
  const cheaper = tamper(payload, (v) => v.challenge.parameters.cost = 2);
  assert.equal(await w.pow.verify(cheaper), "invalid");
  const later = tamper(payload, (v) => v.challenge.parameters.expiresAt += 60);
  assert.equal(await w.pow.verify(later), "invalid");
  const unsigned = tamper(payload, (v) => delete v.challenge.signature);
  assert.equal(await w.pow.verify(unsigned), "invalid");
  await using elsewhere = await setup();
  const foreign = await solve(await elsewhere.pow.challenge());
  assert.equal(await w.pow.verify(foreign), "invalid", "another process's key");
  assert.equal(await w.pow.verify(payload), "ok", "none of those used it up");
});

Deno.test("parsePayload() refuses hostile payloads without throwing", () => {
  const json = (v: unknown) => btoa(JSON.stringify(v));
  const good = {
    challenge: {
      parameters: {
        algorithm: "SHA-256",
        cost: 1,
        expiresAt: 2_000_000_000,
        keyLength: 32,
        keyPrefix: "00",
        nonce: "ab",
        salt: "cd",
      },
      signature: "ef",
    },
    solution: { counter: 1, derivedKey: "00aa" },
  };
  assert.ok(parsePayload(json(good)), "the shape itself passes");
  const hostile: unknown[] = [
    undefined,
    null,
    42,
    {},
    "",
    "not base64!",
    "A".repeat(5000),
    btoa("{"),
    json(null),
    json([good]),
    json("x"),
    json({ ...good, solution: { counter: -1, derivedKey: "00" } }),
    json({ ...good, solution: { counter: 2 ** 32, derivedKey: "00" } }),
    json({ ...good, solution: { counter: 1.5, derivedKey: "00" } }),
    json({ ...good, solution: { counter: "1", derivedKey: "00" } }),
    json({ ...good, solution: { counter: 1, derivedKey: "0G" } }),
    json({ ...good, solution: { counter: 1, derivedKey: "A0" } }),
    json({ ...good, solution: { counter: 1, derivedKey: "0".repeat(130) } }),
    json({ ...good, challenge: { ...good.challenge, signature: 7 } }),
    json({ ...good, challenge: { parameters: [], signature: "ef" } }),
    json({
      ...good,
      challenge: {
        ...good.challenge,
        parameters: { ...good.challenge.parameters, nonce: { a: 1 } },
      },
    }),
    json({
      ...good,
      challenge: {
        ...good.challenge,
        parameters: { ...good.challenge.parameters, expiresAt: "soon" },
      },
    }),
    btoa("[".repeat(1500) + "]".repeat(1500)),
  ];
  for (const value of hostile) assert.equal(parsePayload(value), null);
  const extra = parsePayload(json({
    ...good,
    challenge: {
      ...good.challenge,
      parameters: { ...good.challenge.parameters, __proto__: { x: 1 }, y: 2 },
    },
  }));
  assert.deepEqual(
    Object.keys(extra?.challenge.parameters ?? {}).sort(),
    [
      "algorithm",
      "cost",
      "expiresAt",
      "keyLength",
      "keyPrefix",
      "keySignature",
      "nonce",
      "salt",
    ],
    "only the fields a challenge of ours has: extras are dropped",
  );
});
