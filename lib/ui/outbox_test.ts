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
