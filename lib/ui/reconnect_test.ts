import assert from "node:assert/strict";
import { backoffDelay, secondsLeft } from "./reconnect.ts";

Deno.test("backoffDelay() doubles from 0.5 s without jitter", () => {
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) =>
    backoffDelay(n, { jitter: 0 })
  );
  assert.deepEqual(delays.join(), "500,1000,2000,4000,8000,16000,20000");
});

Deno.test("backoffDelay() never exceeds the 20 s cap", () => {
  for (const random of [() => 0, () => 0.5, () => 0.999]) {
    for (let n = 0; n < 100; n++) {
      const d = backoffDelay(n, { random });
      if (d > 20_000 || d < 250) throw new Error(`attempt ${n}: ${d}`);
    }
  }
  assert.deepEqual(backoffDelay(1e9, { random: () => 0.999 }), 20_000);
});

Deno.test("backoffDelay() spreads delays by ±25 %", () => {
  assert.deepEqual(backoffDelay(2, { random: () => 0 }), 1500);
  assert.deepEqual(backoffDelay(2, { random: () => 0.5 }), 2000);
  assert.deepEqual(backoffDelay(2, { random: () => 1 }), 2500);
});

Deno.test("backoffDelay() treats bad attempts as the first", () => {
  assert.deepEqual(backoffDelay(-3, { jitter: 0 }), 500);
  assert.deepEqual(backoffDelay(0.7, { jitter: 0 }), 500);
});

Deno.test("secondsLeft() rounds up and shows at least 1", () => {
  assert.deepEqual(secondsLeft(10_000, 7_100), 3);
  assert.deepEqual(secondsLeft(10_000, 10_000), 1);
  assert.deepEqual(secondsLeft(10_000, 12_000), 1);
});
