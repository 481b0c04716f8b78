import assert from "node:assert/strict";
import {
  ABUSE_WINDOW_MS,
  ANSWER_WINDOW_MS,
  RateLimiter,
} from "./rate_limiter.ts";

function limiter(now: { t: number }, abuseLimit = 5): RateLimiter {
  return new RateLimiter({
    rate: 2,
    burst: 3,
    typingRate: 1,
    abuseLimit,
    now: () => now.t,
  });
}

Deno.test("RateLimiter.take() allows a burst, then refills at the rate", () => {
  const clock = { t: 0 };
  const rl = limiter(clock);
  assert.deepEqual([1, 2, 3].map(() => rl.take(false)), ["ok", "ok", "ok"]);
  assert.equal(rl.take(false), "excess");
  clock.t += 499; // 2 a second: not yet a whole token
  assert.equal(rl.take(false), "excess");
  clock.t += 2;
  assert.equal(rl.take(false), "ok");
  clock.t += 60_000; // refills no further than the burst
  assert.deepEqual(
    [1, 2, 3, 4].map(() => rl.take(false)),
    ["ok", "ok", "ok", "excess"],
  );
});

Deno.test("RateLimiter.take() keeps typing hints in a bucket of their own", () => {
  const clock = { t: 0 };
  const rl = limiter(clock);
  assert.equal(rl.take(true), "ok");
  assert.equal(rl.take(true), "ok");
  assert.equal(rl.take(true), "excess", "two seconds' worth of hints");
  assert.deepEqual([1, 2, 3].map(() => rl.take(false)), ["ok", "ok", "ok"]);
  clock.t += 1000;
  assert.equal(rl.take(true), "ok");
});

Deno.test("RateLimiter.take() says abuse when the excess fills the window", () => {
  const clock = { t: 0 };
  const rl = limiter(clock, 5);
  for (let i = 0; i < 3; i++) rl.take(false);
  for (let i = 1; i < 5; i++) {
    assert.equal(rl.take(false), "excess", `excess ${i}`);
    clock.t += 10;
  }
  assert.equal(rl.take(false), "abuse", "the fifth within the window");
});

Deno.test("RateLimiter.take() forgives excess spread wider than the window", () => {
  const clock = { t: 0 };
  const rl = new RateLimiter({
    rate: 1e-9,
    burst: 1,
    typingRate: 1,
    abuseLimit: 3,
    now: () => clock.t,
  });
  assert.equal(rl.take(false), "ok");
  const step = ABUSE_WINDOW_MS / 2 + 1;
  for (let i = 0; i < 6; i++) {
    assert.equal(rl.take(false), "excess", `spaced excess ${i}`);
    clock.t += step;
  }
  clock.t -= step - 1;
  // This one and the two before it came within the window.
  assert.equal(rl.take(false), "abuse");
});

Deno.test("RateLimiter.mayAnswer() answers each code at most once per window", () => {
  const clock = { t: 0 };
  const rl = limiter(clock);
  assert.equal(rl.mayAnswer("rate_limited"), true);
  assert.equal(
    rl.mayAnswer("bad_json"),
    true,
    "another code has its own window",
  );
  for (let i = 0; i < 1000; i++) {
    assert.equal(rl.mayAnswer("rate_limited"), false);
    clock.t += (ANSWER_WINDOW_MS - 1) / 1000;
  }
  clock.t = ANSWER_WINDOW_MS;
  assert.equal(rl.mayAnswer("rate_limited"), true);
  assert.equal(rl.mayAnswer("rate_limited"), false);
});
