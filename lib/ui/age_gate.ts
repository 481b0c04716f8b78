/**
 * The age and terms gate, browser code: when the operator turns it on
 * (`AGE_GATE`), a checkbox ("I am 18 or older and accept the terms") must
 * be ticked before Start; the answer is remembered in `localStorage`.
 *
 * Nothing here reads storage before {@linkcode AgeGate.load}: the island
 * renders on the server too.
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";
import type { PrefStorage } from "./browser_token.ts";

/** The storage key of the answer: `1` once accepted. */
export const AGE_GATE_KEY = "strangers:adult";

/** The gate's state and the action that changes it. */
export interface AgeGate {
  /** The visitor ticked the box (now or on an earlier visit). */
  accepted: ReadonlySignal<boolean>;
  /** Ticks or unticks the box, and remembers it. */
  set(on: boolean): void;
  /** Reads the answer from `storage` (`null`: none) and saves changes there. */
  load(storage: PrefStorage | null): void;
}

/** Creates the gate, unticked until loaded. */
export function createAgeGate(): AgeGate {
  const accepted = signal(false);
  let storage: PrefStorage | null = null;
  return {
    accepted,
    set(on) {
      accepted.value = on;
      try {
        storage?.setItem(AGE_GATE_KEY, on ? "1" : "0");
      } catch {
        // Full or disabled: the answer lasts until the page closes.
      }
    },
    load(from) {
      storage = from;
      try {
        accepted.value = from?.getItem(AGE_GATE_KEY) === "1";
      } catch {
        // Storage is off: ask again, as on a first visit.
      }
    },
  };
}
