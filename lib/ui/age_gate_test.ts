import assert from "node:assert/strict";
import { AGE_GATE_KEY, createAgeGate } from "./age_gate.ts";

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

Deno.test("createAgeGate() remembers the answer in storage", () => {
  const storage = memoryStorage();
  const gate = createAgeGate();
  gate.load(storage);
  assert.equal(gate.accepted.value, false);
  gate.set(true);
  assert.equal(storage.items.get(AGE_GATE_KEY), "1");
  const later = createAgeGate();
  later.load(storage);
  assert.equal(later.accepted.value, true);
  later.set(false);
  const again = createAgeGate();
  again.load(storage);
  assert.equal(again.accepted.value, false);
});

Deno.test("createAgeGate() works without storage, or with one that throws", () => {
  const none = createAgeGate();
  none.load(null);
  none.set(true);
  assert.equal(none.accepted.value, true);
  const broken = createAgeGate();
  const fail = () => {
    throw new Error("SecurityError");
  };
  broken.load({ getItem: fail, setItem: fail });
  assert.equal(broken.accepted.value, false);
  broken.set(true);
  assert.equal(broken.accepted.value, true);
});
