import assert from "node:assert/strict";
import { ANYONE, matchTicket, type Preferences } from "../matching.ts";
import { MATCH_SCAN, MemoryBackend } from "./memory.ts";

const partnerOf = (m: { partner: string } | null | "taken") =>
  typeof m === "object" ? m?.partner ?? null : m;

let clock = 0;
/**
 * A ticket asked for now (each later than the last), about the subject
 * `s<identity>`; `shadow`: in the shadowbanned visitors' pool.
 */
function ticket(
  identity = "",
  avoid: string[] = [],
  prefs = ANYONE,
  shadow = false,
) {
  const subjects = identity ? [`s${identity}`] : [];
  return matchTicket(
    { identity, avoid, since: ++clock, subjects, shadow },
    prefs,
  );
}

Deno.test("MemoryBackend removes a waiter in O(1) and keeps order", () => {
  const backend = new MemoryBackend();
  assert.equal(backend.match("a", ticket()), null);
  assert.equal(partnerOf(backend.match("b", ticket())), "a");
  assert.equal(backend.match("c", ticket()), null);
  assert.equal(partnerOf(backend.match("d", ticket())), "c");
  backend.match("e", ticket());
  backend.match("f", ticket()); // pairs with e
  backend.match("g", ticket());
  backend.unqueue("g");
  assert.equal(backend.waiting, 0);
  assert.equal(backend.keys, 0, "an empty key is forgotten");
  assert.equal(backend.match("h", ticket()), null);
});

Deno.test("MemoryBackend.match() skips waiters a ticket rules out, from either side", () => {
  const backend = new MemoryBackend();
  // Each avoids the ones before it, so all three wait.
  backend.match("bot", ticket("B"));
  backend.match("shy", ticket("S", ["B", "V"]));
  backend.match("free", ticket("F", ["B", "S"]));
  assert.equal(backend.waiting, 3);
  // V avoids B; S avoids V: the first one allowed is F, and it says who F is.
  assert.deepEqual(backend.match("v", ticket("V", ["B"])), {
    partner: "free",
    identity: "F",
    interests: [],
    lang: "*",
    subjects: ["sF"],
  });
  assert.equal(backend.waiting, 2, "the skipped stay queued, in order");
  assert.equal(partnerOf(backend.match("w", ticket("W"))), "bot");
  // A bare request (no identity) avoids nobody and nobody avoids it.
  assert.equal(partnerOf(backend.match("x", ticket())), "shy");
});

Deno.test("MemoryBackend.match() looks at most MATCH_SCAN waiters a key, then queues", () => {
  const backend = new MemoryBackend();
  for (let i = 0; i < MATCH_SCAN; i++) {
    backend.match(`b${i}`, ticket("B", ["B"]));
  }
  backend.match("late", ticket("L", ["B"]));
  assert.equal(backend.match("v", ticket("V", ["B"])), null);
  assert.equal(backend.waiting, MATCH_SCAN + 2);
});

Deno.test("MemoryBackend.match() again: re-lists a waiter, or says it was taken", () => {
  const backend = new MemoryBackend();
  const music: Preferences = {
    interests: ["music"],
    lang: "en",
    strict: false,
  };
  const asked = ticket("A", [], music);
  backend.match("a", asked);
  // Nobody plain finds a visitor still waiting for its interests.
  assert.equal(
    backend.match("b", ticket("B", [], { ...ANYONE, lang: "en" })),
    null,
  );
  // a falls back and takes b, the longest waiter it may now meet.
  const fallen = matchTicket({ ...asked }, music, true);
  assert.deepEqual(backend.match("a", fallen, true), {
    partner: "b",
    identity: "B",
    interests: [],
    lang: "en",
    subjects: ["sB"],
  });
  assert.equal(backend.match("a", fallen, true), "taken");
  assert.equal(backend.waiting, 0);
  assert.equal(backend.keys, 0);
});

Deno.test("MemoryBackend pairs the shadowbanned only with each other", () => {
  const backend = new MemoryBackend();
  const music: Preferences = {
    interests: ["music"],
    lang: "en",
    strict: false,
  };
  assert.equal(backend.match("banned", ticket("X", [], ANYONE, true)), null);
  assert.equal(backend.match("fan", ticket("X2", [], music, true)), null);
  // The clean never find them, whatever they ask for.
  assert.equal(backend.match("clean", ticket("C")), null);
  assert.equal(backend.match("clean fan", ticket("C2", [], music)), null);
  assert.equal(partnerOf(backend.match("clean 2", ticket("C3"))), "clean");
  // Nor do the shadowbanned find the clean who wait.
  assert.equal(
    partnerOf(backend.match("banned fan", ticket("X3", [], music, true))),
    "fan",
  );
  assert.equal(
    partnerOf(backend.match("banned 2", ticket("X4", [], ANYONE, true))),
    "banned",
  );
  assert.equal(backend.waiting, 1, "the clean fan still waits");
});

Deno.test("MemoryBackend keeps nothing of a million interests cycled through its queue", () => {
  const backend = new MemoryBackend();
  for (let i = 0; i < 1_000_000; i += 2) {
    const prefs = { interests: [`x${i}`], lang: "en", strict: false };
    backend.match(`w${i}`, ticket(`W${i}`, [], prefs));
    backend.match(
      `v${i}`,
      ticket(`V${i}`, [], { ...prefs, interests: [`x${i + 1}`] }),
    );
    backend.unqueue(`w${i}`);
    backend.unqueue(`v${i}`);
  }
  assert.equal(backend.waiting, 0);
  assert.equal(backend.keys, 0);
});

Deno.test("MemoryBackend says it is the local, unshared backend", () => {
  const backend = new MemoryBackend();
  assert.equal(backend.kind, "memory");
  assert.equal(backend.shared, false);
  assert.equal(backend.online(), undefined);
});
