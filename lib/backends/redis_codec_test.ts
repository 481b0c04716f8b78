import assert from "node:assert/strict";
import type { Delivery } from "./backend.ts";
import { decodeDelivery, encodeDelivery } from "./redis_codec.ts";

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
    { kind: "requeue" },
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
