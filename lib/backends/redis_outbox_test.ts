import assert from "node:assert/strict";
import type { Delivery } from "./backend.ts";
import { type Batch, Outbox } from "./redis_outbox.ts";

const line = (n: number): Delivery => ({ kind: "frame", frame: `${n}` });

/** An outbox whose batches are recorded with their channel. */
function recorded() {
  const sent: [string, Batch][] = [];
  const outbox = new Outbox((channel, batch) => sent.push([channel, batch]));
  return { sent, outbox };
}

Deno.test("Outbox: what one task adds goes as one batch per channel, in order", async () => {
  const { sent, outbox } = recorded();
  const a = outbox.add("to:a", "a:1", line(1), "m1");
  outbox.add("to:b", "b:1", { kind: "requeue" }, "r");
  const a2 = outbox.add("to:a", "a:2", line(2), "m2");
  assert.equal(a, a2, "the frames of one batch share its answer");
  assert.equal(sent.length, 0, "nothing before the task ends");
  await Promise.resolve();
  assert.deepEqual(sent.map(([c, b]) => [c, b.messages]), [
    ["to:a", ["m1", "m2"]],
    ["to:b", ["r"]],
  ]);
  assert.equal(sent[1][1].accepted, undefined, "no frame, no answer");
  sent[0][1].settle!(true);
  assert.equal(await a, true);
  // The next task starts a new batch.
  const later = outbox.add("to:a", "a:3", line(3), "m3");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(sent.length, 3);
  assert.notEqual(later, a);
  assert.deepEqual(sent[2][1].deliveries, [["a:3", line(3)]]);
});

Deno.test("Outbox: flush() sends at once, drop() forgets", async () => {
  const { sent, outbox } = recorded();
  outbox.add("to:a", "a:1", line(1), "m1");
  outbox.flush();
  assert.equal(sent.length, 1);
  outbox.add("to:a", "a:2", line(2), "m2");
  outbox.drop();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(sent.length, 1, "the dropped batch never goes");
});
