/**
 * Which screen each phase of the chat machine shows, and the wait screen's
 * words, browser code, pure.
 *
 * @module
 */

import type { Notice, Phase } from "./chat_machine.ts";
import type { Dictionary } from "./i18n.ts";

/** Which screen a phase shows. */
export type Screen = "idle" | "wait" | "conversation";

/** The screen of each phase. */
export const SCREENS: Readonly<Record<Phase, Screen>> = {
  idle: "idle",
  connecting: "wait",
  waiting: "wait",
  reconnecting: "wait",
  chat: "conversation",
  closed: "conversation",
  resuming: "conversation",
};

/** What the wait screen says it is doing. */
export interface WaitState {
  phase: Phase;
  /** Why the visitor waits again, if something went wrong. */
  notice: Notice | null;
  /** Seconds until the next reconnect attempt. */
  retryIn: number;
}

/**
 * The wait screen's label: connecting, waiting, or reconnecting (with a
 * countdown, explained when the server refused or is down).
 */
export function waitText(dict: Dictionary, state: WaitState): string {
  const { phase, notice } = state;
  if (phase === "reconnecting") {
    const explained = notice?.kind === "refused" || notice?.kind === "down";
    return (explained ? dict.retryingIn : dict.reconnecting)(state.retryIn);
  }
  return phase === "connecting" ? dict.connecting : dict.waiting;
}
