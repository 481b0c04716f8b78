/**
 * Hostile `report` frames (seeded: `FUZZ_SEED`): every one is refused
 * with a clear error and stores nothing, during a chat (which goes on)
 * and from sockets with no chat; nothing is thrown; then one good report
 * is stored, once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseClientFrame } from "../lib/ws/protocol.ts";
import { prng } from "./security_helpers.ts";
import { startTestServer, type TestClient } from "./helpers.ts";
import { from, heard, report } from "./support/visitors.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);
const FRAMES = Number(Deno.env.get("FUZZ_FRAMES") ?? 3000);

type Random = () => number;
type Loose = Record<string, unknown>;

function int(random: Random, n: number): number {
  return Math.floor(random() * n);
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[int(random, items.length)];
}

/** Values of every JSON kind, some of them long or deep. */
function junk(random: Random): unknown {
  return pick(random, [
    null,
    0,
    -1,
    1e308,
    true,
    "",
    "spam ",
    "SPAM",
    "__proto__",
    "x".repeat(int(random, 5000)),
    [],
    ["spam"],
    {},
    { toString: "spam" },
    JSON.parse("[".repeat(200) + "]".repeat(200)),
  ]);
}

/** A good report's fields, which each corruption below spoils one way. */
function base(random: Random): Loose {
  return {
    type: "report",
    reason: pick(random, ["spam", "harassment", "sexual", "underage", "other"]),
    note: "note",
    lines: [{ from: "guest", message: "hi" }, { from: "me", message: "yo" }],
  };
}

/** Line `i` of `frame`, a plain object (made one, if need be). */
function line(frame: Loose, i: number): Loose {
  if (!Array.isArray(frame.lines)) frame.lines = [];
  const lines = frame.lines as unknown[];
  const value = lines[i];
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Loose;
  }
  return (lines[i] = { from: "me", message: "x" }) as Loose;
}

/** One way to make a report invalid. */
const CORRUPT: ((frame: Loose, random: Random) => void)[] = [
  (f, r) => {
    f.reason = junk(r);
  },
  (f) => {
    delete f.reason;
  },
  (f, r) => {
    f.note = pick(r, [null, 5, [], {}, "n".repeat(501 + int(r, 5000))]);
  },
  (f, r) => {
    f.lines = pick(r, [null, 5, "lines", {}, { length: 1 }, true]);
  },
  (f, r) => {
    f.lines = Array.from(
      { length: 51 + int(r, 500) },
      () => ({ from: "me", message: "x" }),
    );
  },
  (f, r) => {
    line(f, 0);
    const lines = f.lines as unknown[];
    lines.splice(int(r, lines.length + 1), 0, junk(r));
  },
  (f, r) => {
    line(f, 0).from = pick(r, ["ME", "them", 1, null, ""]);
  },
  (f, r) => {
    line(f, 1).message = pick(r, [
      null,
      7,
      ["x"],
      { message: "x" },
      "m".repeat(2001 + int(r, 3000)),
    ]);
  },
  (f) => {
    line(f, 0);
    (f.lines as unknown[])[0] = JSON.parse(
      '{"__proto__":{"from":"me","message":"x"}}',
    );
  },
  (f, r) => {
    f.token = pick(r, ["short", "bad token with spaces!", 12345, null, [], {
      "a": 1,
    }, "t".repeat(65)]);
  },
];

/** A report frame made invalid 1 to 3 ways, as text. */
function hostile(random: Random): string {
  const frame = base(random);
  for (let n = 1 + int(random, 3); n > 0; n--) {
    pick(random, CORRUPT)(frame, random);
  }
  return JSON.stringify(frame);
}

/** Takes the errors `client` was sent (once a second per code): their codes. */
async function refusals(client: TestClient): Promise<Set<unknown>> {
  const codes = new Set<unknown>();
  while (client.pending("error").length > 0) {
    codes.add((await client.next("error")).code);
  }
  return codes;
}

Deno.test(`report fuzz: ${FRAMES} hostile report frames (FUZZ_SEED=${SEED}) are refused, store nothing, and end no chat`, async () => {
  console.log(`FUZZ_SEED=${SEED}`);
  const random = prng(SEED);
  await using server = await startTestServer({
    trustProxy: "x-forwarded-for",
    powMode: "off",
    maxFrameBytes: 262_144,
    rateMessages: 1_000_000,
    rateBurst: 1_000_000,
  });
  const { moderation, metrics } = server.handle.state;
  const fuzzer = await from(server.wsUrl, "198.51.100.1");
  const partner = await from(server.wsUrl, "198.51.100.2");
  fuzzer.send({ type: "request" });
  partner.send({ type: "request" });
  await Promise.all([fuzzer.next("response"), partner.next("response")]);
  const loner = await from(server.wsUrl, "198.51.100.3");
  loner.send({ type: "presence" });

  for (let i = 0; i < FRAMES; i++) {
    const text = hostile(random);
    const parsed = parseClientFrame(text);
    assert.equal(parsed.ok, false, `seed ${SEED}, frame ${i}: ${text}`);
    (i % 4 === 0 ? loner : fuzzer).send(text);
    if (i % 500 === 499) {
      // Still chatting, in both directions.
      partner.send({ type: "message", message: `still here ${i}` });
      assert.equal(await heard(fuzzer), `still here ${i}`);
    }
  }
  partner.send({ type: "message", message: "the end" });
  assert.equal(await heard(fuzzer), "the end");
  for (const client of [fuzzer, loner]) {
    assert.deepEqual(
      await refusals(client),
      new Set(["bad_report"]),
      `seed ${SEED}`,
    );
  }
  assert.deepEqual(await moderation.store.reports(), [], "nothing stored");
  assert.equal(metrics.uncaught, 0);

  // A well-formed report with nothing to report stores nothing either.
  report(loner, [{ from: "guest", message: "hi" }]);
  assert.equal((await loner.next("error")).code, "nothing_to_report");
  assert.deepEqual(await moderation.store.reports(), []);

  // The good one, once.
  partner.send({ type: "message", message: "hi" });
  assert.equal(await heard(fuzzer), "hi");
  report(fuzzer, [{ from: "guest", message: "hi" }]);
  assert.deepEqual(await fuzzer.next("reported"), {
    type: "reported",
    verified: 1,
    lines: 1,
  });
  assert.equal((await fuzzer.closed).code, 4004);
  assert.equal((await partner.closed).code, 4000);
  assert.equal((await moderation.store.reports()).length, 1);
  await loner.close();
  const errors = server.logs.filter((l) => /"level":"error"|uncaught/.test(l));
  assert.deepEqual(errors, [], `seed ${SEED}`);
});
