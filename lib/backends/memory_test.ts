import assert from "node:assert/strict";
import { MATCH_SCAN, MemoryBackend } from "./memory.ts";

const partnerOf = (m: { partner: string } | null) => m?.partner ?? null;

Deno.test("MemoryBackend removes a waiter in O(1) and keeps order", () => {
  const backend = new MemoryBackend();
  assert.equal(backend.match("a"), null);
  assert.equal(partnerOf(backend.match("b")), "a");
  assert.equal(backend.match("c"), null);
  assert.equal(partnerOf(backend.match("d")), "c");
  backend.match("e");
  backend.match("f"); // pairs with e
  backend.match("g");
  backend.unqueue("g");
  assert.equal(backend.waiting, 0);
  assert.equal(backend.match("h"), null);
});

Deno.test("MemoryBackend.match() skips waiters a ticket rules out, from either side", () => {
  const backend = new MemoryBackend();
  // Each avoids the ones before it, so all three wait.
  backend.match("bot", { identity: "B", avoid: [] });
  backend.match("shy", { identity: "S", avoid: ["B", "V"] });
  backend.match("free", { identity: "F", avoid: ["B", "S"] });
  assert.equal(backend.waiting, 3);
  // V avoids B; S avoids V: the first one allowed is F, and it says who F is.
  assert.deepEqual(backend.match("v", { identity: "V", avoid: ["B"] }), {
    partner: "free",
    identity: "F",
  });
  assert.equal(backend.waiting, 2, "the skipped stay queued, in order");
  assert.deepEqual(backend.match("w", { identity: "W", avoid: [] }), {
    partner: "bot",
    identity: "B",
  });
  // A bare request (no identity) avoids nobody and nobody avoids it.
  assert.equal(partnerOf(backend.match("x")), "shy");
});

Deno.test("MemoryBackend.match() looks at most MATCH_SCAN waiters, then queues", () => {
  const backend = new MemoryBackend();
  for (let i = 0; i < MATCH_SCAN; i++) {
    backend.match(`b${i}`, { identity: "B", avoid: ["B"] });
  }
  backend.match("late", { identity: "L", avoid: ["B"] });
  assert.equal(backend.match("v", { identity: "V", avoid: ["B"] }), null);
  assert.equal(backend.waiting, MATCH_SCAN + 2);
});

Deno.test("MemoryBackend says it is the local, unshared backend", () => {
  const backend = new MemoryBackend();
  assert.equal(backend.kind, "memory");
  assert.equal(backend.shared, false);
  assert.equal(backend.online(), undefined);
});
