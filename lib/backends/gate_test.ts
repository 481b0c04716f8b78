import assert from "node:assert/strict";
import { Gate } from "./gate.ts";

Deno.test("Gate lets `limit` in at once and the rest in the order they came", async () => {
  const gate = new Gate(2);
  const inside = new Set<number>();
  const order: number[] = [];
  let most = 0;
  const holder = async (n: number) => {
    await gate.enter();
    inside.add(n);
    order.push(n);
    most = Math.max(most, inside.size);
    for (let i = 0; i <= n % 3; i++) await null;
    inside.delete(n);
    gate.leave();
  };
  const all = Array.from({ length: 3000 }, (_, n) => holder(n));
  assert.equal(gate.waiting, 2998);
  await Promise.all(all);
  assert.equal(most, 2);
  assert.deepEqual(order, Array.from({ length: 3000 }, (_, n) => n));
  assert.equal(gate.waiting, 0);
  // Both turns are free again.
  await gate.enter();
  await gate.enter();
  assert.equal(gate.waiting, 0);
});

Deno.test("Gate.run() ends a turn however its task settles", async () => {
  const gate = new Gate(1);
  await assert.rejects(gate.run(() => Promise.reject(new Error("no"))));
  assert.equal(await gate.run(() => Promise.resolve(7)), 7);
  assert.equal(gate.waiting, 0);
});

Deno.test("Gate refuses a limit below 1", () => {
  assert.throws(() => new Gate(0), RangeError);
});
