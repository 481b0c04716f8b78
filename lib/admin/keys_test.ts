import assert from "node:assert/strict";
import { AdminKeys, SESSION_MS } from "./keys.ts";

const TOKEN = "a-token-of-twenty-chars";

Deno.test("AdminKeys.matches() takes the token and nothing else", () => {
  const keys = new AdminKeys(TOKEN);
  assert.equal(keys.matches(TOKEN), true);
  for (const wrong of ["", TOKEN.slice(1), TOKEN + " ", TOKEN.toUpperCase()]) {
    assert.equal(keys.matches(wrong), false, JSON.stringify(wrong));
  }
});

Deno.test("AdminKeys sessions hold for 12 hours, on every instance of the token", () => {
  const now = 1_700_000_000_000;
  const session = new AdminKeys(TOKEN).newSession(now);
  const elsewhere = new AdminKeys(TOKEN);
  assert.equal(elsewhere.sessionValid(session, now), true);
  assert.equal(elsewhere.sessionValid(session, now + SESSION_MS - 1), true);
  assert.equal(elsewhere.sessionValid(session, now + SESSION_MS), false);
  assert.equal(new AdminKeys(TOKEN + "x").sessionValid(session, now), false);
});

Deno.test("AdminKeys refuses a forged or altered session", () => {
  const now = 1_700_000_000_000;
  const keys = new AdminKeys(TOKEN);
  const session = keys.newSession(now);
  const [expiry, nonce, mac] = session.split(".");
  const later = `${Number(expiry) + SESSION_MS}.${nonce}.${mac}`;
  assert.equal(keys.sessionValid(later, now), false, "a longer expiry");
  assert.equal(
    keys.sessionValid(`${expiry}.${nonce}.${"A".repeat(43)}`, now),
    false,
  );
  assert.equal(keys.sessionValid("", now), false);
  assert.equal(keys.sessionValid(session + ".", now), false);
});

Deno.test("AdminKeys CSRF tokens belong to one session", () => {
  const keys = new AdminKeys(TOKEN);
  const a = keys.newSession(1);
  const b = keys.newSession(1);
  assert.equal(keys.csrfValid(a, keys.csrfFor(a)), true);
  assert.equal(keys.csrfValid(b, keys.csrfFor(a)), false);
  assert.equal(keys.csrfValid(a, ""), false);
});
