import assert from "node:assert/strict";
import { withTimeout } from "./cluster.ts";

const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

Deno.test("withTimeout() rejects after its time", async () => {
  await assert.rejects(
    withTimeout(after(300, "late"), { ms: 50, label: "store" }),
    /store timed out/,
  );
  assert.equal(
    await withTimeout(after(10, "soon"), { ms: 200, label: "x" }),
    "soon",
  );
});

Deno.test("withTimeout() with heardAt counts only the store's silence", async () => {
  // The store answers others every 20 ms: ours is on its way.
  let heard = Date.now();
  const others = setInterval(() => heard = Date.now(), 20);
  try {
    const value = await withTimeout(after(300, "answered"), {
      ms: 80,
      label: "store",
      heardAt: () => heard,
    });
    assert.equal(value, "answered");
  } finally {
    clearInterval(others);
  }
  // Silent since: the same wait times out.
  const started = Date.now();
  await assert.rejects(
    withTimeout(after(300, "late"), {
      ms: 80,
      label: "store",
      heardAt: () => heard,
    }),
    /store timed out/,
  );
  assert.ok(Date.now() - started < 250, "rejected before the reply");
});
