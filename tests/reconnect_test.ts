import { backoffDelay, secondsLeft } from "../lib/reconnect.ts";

function assertEquals(actual: unknown, expected: unknown, message = "") {
  if (actual !== expected) {
    throw new Error(`${message} actual ${actual}, expected ${expected}`);
  }
}

Deno.test("backoffDelay() doubles from 0.5 s without jitter", () => {
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) =>
    backoffDelay(n, { jitter: 0 })
  );
  assertEquals(delays.join(), "500,1000,2000,4000,8000,16000,20000");
});

Deno.test("backoffDelay() never exceeds the 20 s cap", () => {
  for (const random of [() => 0, () => 0.5, () => 0.999]) {
    for (let n = 0; n < 100; n++) {
      const d = backoffDelay(n, { random });
      if (d > 20_000 || d < 250) throw new Error(`attempt ${n}: ${d}`);
    }
  }
  assertEquals(backoffDelay(1e9, { random: () => 0.999 }), 20_000);
});

Deno.test("backoffDelay() spreads delays by ±25 %", () => {
  assertEquals(backoffDelay(2, { random: () => 0 }), 1500);
  assertEquals(backoffDelay(2, { random: () => 0.5 }), 2000);
  assertEquals(backoffDelay(2, { random: () => 1 }), 2500);
});

Deno.test("backoffDelay() treats bad attempts as the first", () => {
  assertEquals(backoffDelay(-3, { jitter: 0 }), 500);
  assertEquals(backoffDelay(0.7, { jitter: 0 }), 500);
});

Deno.test("secondsLeft() rounds up and shows at least 1", () => {
  assertEquals(secondsLeft(10_000, 7_100), 3);
  assertEquals(secondsLeft(10_000, 10_000), 1);
  assertEquals(secondsLeft(10_000, 12_000), 1);
});
