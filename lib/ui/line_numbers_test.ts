import assert from "node:assert/strict";
import { createLineNumbers } from "./line_numbers.ts";

Deno.test("createLineNumbers() numbers our lines 1, 2, 3 per chat", () => {
  const numbers = createLineNumbers();
  numbers.begin("t".repeat(22));
  assert.deepEqual([numbers.next(), numbers.next(), numbers.next()], [1, 2, 3]);
  assert.equal(numbers.sent, 3);
  numbers.end();
  assert.equal(numbers.token, null);
  numbers.begin(null);
  assert.equal(numbers.next(), 1, "a new chat counts from 1 again");
});

Deno.test("createLineNumbers() drops partner lines at or below seen", () => {
  const numbers = createLineNumbers();
  numbers.begin("t".repeat(22));
  assert.equal(numbers.seen, 0);
  assert.equal(numbers.heard(1), true);
  assert.equal(numbers.heard(2), true);
  assert.equal(numbers.seen, 2);
  assert.equal(numbers.heard(2), false, "sent again after a resume");
  assert.equal(numbers.heard(1), false);
  assert.equal(numbers.heard(3), true);
  assert.equal(numbers.heard(undefined), true, "an unnumbered line is new");
  assert.equal(numbers.seen, 3);
  numbers.begin("u".repeat(22));
  assert.equal(numbers.seen, 0);
  assert.equal(numbers.heard(1), true, "a new chat's first line");
});
