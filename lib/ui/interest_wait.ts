/**
 * Waiting for someone who shares an interest, browser code: what the wait
 * screen says while the server looks only among visitors who share one,
 * for the server's `MATCH_FALLBACK` seconds. Then, unless the visitor
 * wanted interests only, anyone will do; with interests only, the screen
 * says nobody is here yet and offers to talk to anyone (`widen`).
 *
 * @module
 */

import { computed, effect, type ReadonlySignal, signal } from "@preact/signals";
import type { Phase } from "./chat_machine.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { Dictionary } from "./i18n.ts";

/**
 * What the wait screen says: `plain` (waiting for a partner), `sharing`
 * (for someone who shares an interest) or `nobody` (nobody who does is
 * here yet: talk to anyone?).
 */
export type InterestWaitMode = "plain" | "sharing" | "nobody";

/** Options for {@linkcode createInterestWait}. */
export interface InterestWaitOptions {
  /** The chat's phase. */
  phase: ReadonlySignal<Phase>;
  /** The interests the request carries. */
  interests: ReadonlySignal<readonly string[]>;
  /** Interests only: no fallback. */
  strict: ReadonlySignal<boolean>;
  /** The server's `MATCH_FALLBACK`, in seconds. */
  seconds: number;
  /** Time and timers. */
  clock: Clock;
}

/** The wait for a shared interest, as signals. */
export interface InterestWait {
  /** What the wait screen says. */
  mode: ReadonlySignal<InterestWaitMode>;
  /** Talk to anyone was pressed: the screen goes back to `plain`. */
  widened(): void;
  /** Starts following the phase; returns the function that stops. */
  start(): () => void;
}

/** What the wait screen says in `mode`; `plain` is the store's label. */
export function interestWaitText(
  mode: InterestWaitMode,
  dict: Dictionary,
  plain: string,
): string {
  return mode === "sharing"
    ? dict.waitingShared
    : mode === "nobody"
    ? dict.nobodyShared
    : plain;
}

/** Creates the wait; nothing runs before `start()`. */
export function createInterestWait(
  options: InterestWaitOptions,
): InterestWait {
  const { phase, interests, strict, clock } = options;
  const overdue = signal(false);
  const widened = signal(false);
  const sharing = computed(() =>
    phase.value === "waiting" && interests.value.length > 0
  );
  return {
    mode: computed(() => {
      if (!sharing.value || widened.value) return "plain";
      if (!overdue.value) return "sharing";
      return strict.value ? "nobody" : "plain";
    }),
    widened() {
      widened.value = true;
    },
    start() {
      // Each wait starts afresh: a new request is timed from when it is sent.
      return effect(() => {
        overdue.value = false;
        widened.value = false;
        if (!sharing.value) return;
        const timer: TimerId = clock.setTimeout(() => {
          overdue.value = true;
        }, Math.max(0, options.seconds) * 1000);
        return () => clock.clearTimeout(timer);
      });
    },
  };
}
