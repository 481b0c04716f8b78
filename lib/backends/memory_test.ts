import assert from "node:assert/strict";
import { MemoryBackend } from "./memory.ts";

Deno.test("MemoryBackend removes a waiter in O(1) and keeps order", () => {
  const backend = new MemoryBackend();
  assert.equal(backend.match("a"), null);
  assert.equal(backend.match("b"), "a");
  assert.equal(backend.match("c"), null);
  assert.equal(backend.match("d"), "c");
  backend.match("e");
  backend.match("f"); // pairs with e
  backend.match("g");
  backend.unqueue("g");
  assert.equal(backend.waiting, 0);
  assert.equal(backend.match("h"), null);
});

Deno.test("MemoryBackend says it is the local, unshared backend", () => {
  const backend = new MemoryBackend();
  assert.equal(backend.kind, "memory");
  assert.equal(backend.shared, false);
  assert.equal(backend.online(), undefined);
});
