import assert from "node:assert/strict";
import { createOutbox } from "./outbox.ts";

Deno.test("createOutbox() confirms echoes in order", () => {
  const box = createOutbox();
  box.push({ id: 1, text: "a" });
  box.push({ id: 2, text: "a" });
  box.push({ id: 3, text: "b" });
  assert.deepEqual(box.confirm("a"), {
    confirmed: { id: 1, text: "a" },
    dropped: [],
  });
  assert.equal(box.size, 2);
  assert.deepEqual(box.confirm("zzz"), { confirmed: null, dropped: [] });
  assert.equal(box.size, 2);
});

Deno.test("createOutbox() drops lines an echo passed over", () => {
  const box = createOutbox();
  box.push({ id: 1, text: "a" });
  box.push({ id: 2, text: "b" });
  assert.deepEqual(box.confirm("b"), {
    confirmed: { id: 2, text: "b" },
    dropped: [{ id: 1, text: "a" }],
  });
  assert.equal(box.size, 0);
});

Deno.test("createOutbox() refuses the oldest line and clears", () => {
  const box = createOutbox();
  assert.equal(box.refuse(), null);
  box.push({ id: 1, text: "a" });
  box.push({ id: 2, text: "b" });
  assert.deepEqual(box.refuse(), { id: 1, text: "a" });
  assert.deepEqual(box.clear(), [{ id: 2, text: "b" }]);
  assert.equal(box.size, 0);
});

Deno.test("createOutbox() confirms a numbered echo by its number", () => {
  const box = createOutbox();
  box.push({ id: 1, text: "same", seq: 1 });
  box.push({ id: 2, text: "same", seq: 2 });
  assert.deepEqual(box.confirm("same", 2), {
    confirmed: { id: 2, text: "same", seq: 2 },
    dropped: [{ id: 1, text: "same", seq: 1 }],
  });
  assert.deepEqual(box.confirm("same", 2), { confirmed: null, dropped: [] });
});

Deno.test("createOutbox() settles the lines a resume says were heard", () => {
  const box = createOutbox();
  for (const seq of [3, 4, 5]) box.push({ id: seq, text: `l${seq}`, seq });
  assert.deepEqual(box.settle(4).map((l) => l.seq), [3, 4]);
  assert.deepEqual(box.peek().map((l) => l.seq), [5], "to send again");
  assert.equal(box.size, 1);
  assert.deepEqual(box.settle(0), [], "nothing heard: all stay");
  assert.deepEqual(box.confirm("l5", 5).confirmed?.id, 5);
  assert.equal(box.size, 0);
});
