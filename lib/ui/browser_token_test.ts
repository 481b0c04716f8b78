import assert from "node:assert/strict";
import { parseClientFrame } from "../ws/protocol.ts";
import {
  browserToken,
  isBrowserToken,
  newBrowserToken,
  type PrefStorage,
  TOKEN_KEY,
} from "./browser_token.ts";

/** A `localStorage` stand-in. */
function memoryStorage(init: Record<string, string> = {}) {
  const items = new Map(Object.entries(init));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

const BROKEN: PrefStorage = {
  getItem() {
    throw new DOMException("denied", "SecurityError");
  },
  setItem() {
    throw new DOMException("full", "QuotaExceededError");
  },
};

Deno.test("newBrowserToken() makes a token the server accepts", () => {
  const token = newBrowserToken();
  assert.match(token, /^[A-Za-z0-9_-]{32}$/);
  assert.ok(isBrowserToken(token));
  assert.notEqual(newBrowserToken(), token);
  const parsed = parseClientFrame(JSON.stringify({ type: "request", token }));
  assert.deepEqual(parsed, { ok: true, frame: { type: "request", token } });
  // Every byte value maps into the alphabet.
  assert.match(newBrowserToken((b) => b.fill(0xff)), /^_+$/);
  assert.match(newBrowserToken((b) => b.fill(0xfb)), /^[\w-]+$/);
});

Deno.test("isBrowserToken() takes 16 to 64 of [A-Za-z0-9_-]", () => {
  assert.ok(isBrowserToken("a".repeat(16)));
  assert.ok(isBrowserToken("Az09_-".repeat(10)));
  for (
    const bad of ["a".repeat(15), "a".repeat(65), "a b".repeat(8), 7, null]
  ) {
    assert.ok(!isBrowserToken(bad), String(bad));
  }
});

Deno.test("browserToken() keeps one token per browser", () => {
  const storage = memoryStorage();
  const token = browserToken(storage);
  assert.equal(storage.items.get(TOKEN_KEY), token);
  assert.equal(browserToken(storage), token);
  storage.items.set(TOKEN_KEY, "not a token");
  const fresh = browserToken(storage);
  assert.notEqual(fresh, token);
  assert.ok(isBrowserToken(fresh));
  assert.ok(isBrowserToken(browserToken(null)));
  assert.ok(isBrowserToken(browserToken(BROKEN)));
});
