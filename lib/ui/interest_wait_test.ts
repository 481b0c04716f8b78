import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { FakeClock } from "../../tests/support/clock.ts";
import type { Phase } from "./chat_machine.ts";
import { DICTIONARIES } from "./i18n.ts";
import { createInterestWait, interestWaitText } from "./interest_wait.ts";

function setup(interests: string[], strict: boolean) {
  const clock = new FakeClock();
  const phase = signal<Phase>("idle");
  const wait = createInterestWait({
    phase,
    interests: signal(interests),
    strict: signal(strict),
    seconds: 10,
    clock,
  });
  const stop = wait.start();
  return { clock, phase, wait, stop };
}

Deno.test("createInterestWait() says nobody shares after the fallback", () => {
  const { clock, phase, wait, stop } = setup(["music"], true);
  assert.equal(wait.mode.value, "plain");
  phase.value = "connecting";
  assert.equal(wait.mode.value, "plain");
  phase.value = "waiting";
  assert.equal(wait.mode.value, "sharing");
  clock.advance(9_999);
  assert.equal(wait.mode.value, "sharing");
  clock.advance(1);
  assert.equal(wait.mode.value, "nobody");
  wait.widened();
  assert.equal(wait.mode.value, "plain");
  phase.value = "chat";
  phase.value = "waiting";
  assert.equal(wait.mode.value, "sharing", "a new wait starts afresh");
  stop();
  assert.equal(clock.pending, 0, "a timer outlived stop()");
});

Deno.test("createInterestWait() falls back to anyone unless strict", () => {
  const { clock, phase, wait } = setup(["music"], false);
  phase.value = "waiting";
  assert.equal(wait.mode.value, "sharing");
  clock.advance(10_000);
  assert.equal(wait.mode.value, "plain");
});

Deno.test("createInterestWait() has nothing to say without interests", () => {
  const { clock, phase, wait } = setup([], true);
  phase.value = "waiting";
  assert.equal(wait.mode.value, "plain");
  assert.equal(clock.pending, 0);
});

Deno.test("createInterestWait() stops its timer when the wait ends", () => {
  const { clock, phase } = setup(["music"], true);
  phase.value = "waiting";
  assert.equal(clock.pending, 1);
  phase.value = "idle";
  assert.equal(clock.pending, 0);
});

Deno.test("interestWaitText() names the wait in the page's language", () => {
  const { en, ru } = DICTIONARIES;
  assert.equal(
    interestWaitText("sharing", en, en.waiting),
    "Waiting for someone who shares your interests",
  );
  assert.equal(
    interestWaitText("nobody", ru, ru.waiting),
    "Пока здесь нет никого с такими интересами.",
  );
  assert.equal(interestWaitText("plain", en, "Connecting"), "Connecting");
});
