import assert from "node:assert/strict";
import type { Delivery } from "./backend.ts";
import {
  decodeDelivery,
  encodeBatch,
  encodeDelivery,
  splitBatch,
} from "./redis_codec.ts";

const TO = "abcd1234:7";

function roundTrip(delivery: Delivery) {
  return decodeDelivery(encodeDelivery(TO, delivery)!);
}

Deno.test("encodeDelivery() and decodeDelivery() carry every kind and field", () => {
  const deliveries: Delivery[] = [
    { kind: "frame", frame: '{"type":"message","message":"a\\nb"}' },
    {
      kind: "paired",
      partner: "efgh5678:3",
      identity: "Zm9vYmFy",
      interests: ["music", "board games", "кино"],
      subjects: ["YWRkcmVzcw", "dG9rZW4"],
    },
    {
      kind: "paired",
      partner: "efgh5678:4",
      identity: "",
      interests: [],
      subjects: [],
    },
    { kind: "left", partner: "efgh5678:3" },
    { kind: "left", partner: "efgh5678:3", why: "timeout" },
    { kind: "left", partner: "efgh5678:3", why: "overflow" },
    { kind: "requeue" },
    { kind: "resume", token: "tok_-en".repeat(4), seen: 7, fresh: "b:9" },
    { kind: "refused", reason: "the chat has ended" },
    { kind: "moved", partner: "efgh5678:3", now: "b:9" },
    {
      kind: "handover",
      from: "efgh5678:3",
      chat: {
        partner: "c:1",
        token: "t".repeat(24),
        seen: 2,
        heard: 4,
        relayed: 5,
        identity: "id",
        partnerIdentity: "",
        subjects: ["YWRkcmVzcw"],
        partnerSubjects: [],
        shadow: false,
        chatSince: 1700000000000,
        said: 4,
        ring: [12, 35],
        frames: ['{"type":"message","message":"a\nb","from":"guest","seq":3}'],
        seqs: [3],
        last: 3,
        status: '{"type":"partner_away"}',
      },
    },
  ];
  for (const delivery of deliveries) {
    assert.deepEqual(roundTrip(delivery), { to: TO, delivery });
  }
});

Deno.test("encodeDelivery() writes a paired with nothing asked as none", () => {
  assert.deepEqual(roundTrip({ kind: "paired", partner: "x:1" }), {
    to: TO,
    delivery: {
      kind: "paired",
      partner: "x:1",
      identity: "",
      interests: [],
      subjects: [],
    },
  });
  assert.equal(encodeDelivery(TO, { kind: "lost" }), undefined);
});

Deno.test("decodeDelivery() reads a paired without interests, and drops garbled ones", () => {
  // As an instance of the version before interests writes it.
  assert.deepEqual(decodeDelivery(`p${TO}\nx:1\nid`), {
    to: TO,
    delivery: { kind: "paired", partner: "x:1", identity: "id" },
  });
  assert.deepEqual(decodeDelivery(`p${TO}\nx:1\nid\n[1`), {
    to: TO,
    delivery: { kind: "paired", partner: "x:1", identity: "id" },
  });
  assert.deepEqual(decodeDelivery(`p${TO}\nx:1\nid\n[1,2]`), {
    to: TO,
    delivery: { kind: "paired", partner: "x:1", identity: "id" },
  });
  // As the version before reports writes it: interests, no subjects.
  assert.deepEqual(decodeDelivery(`p${TO}\nx:1\nid\n["a"]`), {
    to: TO,
    delivery: {
      kind: "paired",
      partner: "x:1",
      identity: "id",
      interests: ["a"],
    },
  });
  assert.deepEqual(decodeDelivery(`p${TO}\nx:1\nid\n[]\n{"a":1}`), {
    to: TO,
    delivery: { kind: "paired", partner: "x:1", identity: "id", interests: [] },
  });
  assert.equal(decodeDelivery("nothing"), undefined);
  assert.equal(decodeDelivery(`z${TO}\n`), undefined);
});

Deno.test("encodeDelivery() writes a left without why as before resume", () => {
  assert.equal(
    encodeDelivery(TO, { kind: "left", partner: "efgh5678:3" }),
    `l${TO}\nefgh5678:3`,
  );
  assert.deepEqual(decodeDelivery(`l${TO}\nefgh5678:3\nlater`), {
    to: TO,
    delivery: { kind: "left", partner: "efgh5678:3" },
  });
});

Deno.test("encodeDelivery() sends the kinds of a resume elsewhere as JSON", () => {
  const moved: Delivery = { kind: "moved", partner: "a:1", now: "b:2" };
  assert.equal(
    encodeDelivery(TO, moved),
    `j${TO}\n{"kind":"moved","partner":"a:1","now":"b:2"}`,
  );
  assert.equal(
    decodeDelivery(`j${TO}\n{"kind":"frame","frame":"x"}`),
    undefined,
  );
  assert.equal(decodeDelivery(`j${TO}\n{not json`), undefined);
});

Deno.test("encodeBatch() and splitBatch() keep every message whole and in order", () => {
  const messages = [
    encodeDelivery(TO, { kind: "frame", frame: '{"message":"12:b3:x"}' })!,
    encodeDelivery(TO, { kind: "frame", frame: '{"message":"😀 и\n"}' })!,
    encodeDelivery(TO, { kind: "requeue" })!,
    "b5:hello",
    "",
  ];
  assert.deepEqual(splitBatch(encodeBatch(messages)), messages);
  // A batch of one is the message itself, which reads as itself.
  assert.equal(encodeBatch([messages[0]]), messages[0]);
  assert.deepEqual(splitBatch(messages[0]), [messages[0]]);
});

Deno.test("splitBatch() stops where a batch is garbled and never throws", () => {
  const ok = encodeDelivery(TO, { kind: "requeue" })!;
  const one = `${ok.length}:${ok}`;
  assert.deepEqual(splitBatch(`b${one}${one}`), [ok, ok]);
  for (
    const tail of ["x:ab", "99:short", ":ab", "-1:ab", "1e3:ab", "1234567890:a"]
  ) {
    assert.deepEqual(splitBatch(`b${one}${tail}${one}`), [ok], tail);
  }
  assert.deepEqual(splitBatch("b"), []);
  assert.deepEqual(splitBatch("b" + "9".repeat(5000)), []);
});
