import assert from "node:assert/strict";
import { FakeClock } from "../../tests/support/clock.ts";
import { SignInThrottle } from "./throttle.ts";

Deno.test("SignInThrottle holds a group back after its limit until the window ends", () => {
  const clock = new FakeClock();
  const throttle = new SignInThrottle({ limit: 3, windowMs: 60_000, clock });
  for (let i = 1; i <= 3; i++) {
    assert.equal(throttle.retryAfter("a"), 0);
    assert.equal(throttle.failed("a"), i);
  }
  assert.equal(throttle.retryAfter("a"), 60);
  assert.equal(throttle.retryAfter("b"), 0, "other groups go on");
  clock.advance(45_000);
  assert.equal(throttle.retryAfter("a"), 15);
  clock.advance(15_000);
  assert.equal(throttle.retryAfter("a"), 0);
  assert.equal(throttle.failed("a"), 1, "a new window");
});

Deno.test("SignInThrottle forgets the oldest group past its cap", () => {
  const throttle = new SignInThrottle({
    limit: 1,
    maxGroups: 2,
    clock: new FakeClock(),
  });
  throttle.failed("a");
  throttle.failed("b");
  throttle.failed("c");
  assert.equal(throttle.retryAfter("a"), 0);
  assert.ok(throttle.retryAfter("b") > 0);
  assert.ok(throttle.retryAfter("c") > 0);
});
