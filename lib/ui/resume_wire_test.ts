import assert from "node:assert/strict";
import {
  isResumableClose,
  resumeDelay,
  seenOf,
  seqOf,
  tokenOf,
} from "./resume_wire.ts";

Deno.test("isResumableClose() resumes drops and restarts, not meant closes", () => {
  for (const code of [undefined, 1001, 1002, 1006, 1012, 1013, 1014]) {
    assert.equal(isResumableClose(code), true, `${code}`);
  }
  for (const code of [1000, 1005, 1008, 1009, 1011, 4000, 4003, 4005, 4007]) {
    assert.equal(isResumableClose(code), false, `${code}`);
  }
});

Deno.test("resumeDelay() waits 0.5 s, 1 s, 2 s, then 4 s each", () => {
  const even = () => 0.5;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 20].map((n) => resumeDelay(n, even)),
    [500, 1000, 2000, 4000, 4000, 4000, 4000],
  );
  // The jitter spreads a delay by at most a fifth, never past the cap.
  assert.equal(resumeDelay(1, () => 0), 800);
  assert.equal(resumeDelay(1, () => 0.999), 1200);
  assert.equal(resumeDelay(3, () => 0.999), 4000);
});

Deno.test("seqOf(), seenOf() and tokenOf() read only well-formed values", () => {
  assert.equal(seqOf(3), 3);
  for (const bad of [0, -1, 1.5, "3", null, 2 ** 53]) {
    assert.equal(seqOf(bad), undefined, `${bad}`);
  }
  assert.equal(seenOf(0), 0);
  assert.equal(seenOf(7), 7);
  assert.equal(seenOf(-1), undefined);
  assert.equal(seenOf("7"), undefined);
  const token = "AbCdEfGhIjKlMnOpQrStUv";
  assert.equal(tokenOf(token), token);
  assert.equal(tokenOf("short"), undefined);
  assert.equal(tokenOf(token + "="), undefined);
  assert.equal(tokenOf(42), undefined);
});
