/**
 * The safety rows of the chat machine's table (`chat_machine.ts`), browser
 * code, pure: the bot check, Report, and the ban.
 *
 * | event    | from                | to      | effects                     |
 * |----------|---------------------|---------|-----------------------------|
 * | pow      | waiting             | waiting | `check` (solve it)          |
 * | solved   | waiting             | waiting | `check` null, `sendRequest` with `pow` |
 * | report   | chat                | chat    | `report` on the chat socket |
 * | report   | closed              | closed  | `report` on a new socket    |
 * | reported | chat, closed        | same    | `reported`                  |
 * | reportFailed | chat, closed    | same    | `reportFailed`              |
 * | banned   | connecting, waiting | idle    | notice `banned`             |
 * | banned   | chat                | idle    | lock, notice `banned`       |
 * | dismiss  | idle                | idle    | notice cleared              |
 *
 * A `pow_required` or `pow_invalid` error frame with a `challenge` is the
 * event `pow`: the request was not entered, and goes again with the
 * solution. Close 4003 is the event `banned`: the ban screen, and no
 * reconnecting. Report's refusals (`bad_report`, `nothing_to_report`,
 * {@linkcode REPORT_ERROR_CODES}) are the event `reportFailed`: they change
 * the report, not the conversation.
 *
 * @module
 */

import type { ReportFrame } from "../ws/protocol.ts";
import type { Notice, Phase, Transition } from "./chat_machine.ts";

/** A safety event: a click or a server frame. */
export type SafetyEvent =
  | { type: "pow"; challenge: Record<string, unknown>; retry: boolean }
  | { type: "solved"; payload: string }
  | { type: "report"; frame: ReportFrame }
  | { type: "reported" }
  | { type: "reportFailed"; code: string }
  | { type: "banned"; reason: string }
  | { type: "dismiss" };

/** What the store must do for a safety event. */
export type SafetyEffect =
  /** Show the bot check for `challenge`; `null` hides it. */
  | {
    type: "check";
    challenge: Record<string, unknown> | null;
    retry?: boolean;
  }
  /** Send a report on the chat's socket, or on a socket of its own. */
  | { type: "report"; frame: ReportFrame; via: "chat" | "socket" }
  /** The server took the report. */
  | { type: "reported" }
  /** The server refused the report with `code`. */
  | { type: "reportFailed"; code: string };

/** Error codes that answer a report. */
export const REPORT_ERROR_CODES: readonly string[] = [
  "bad_report",
  "nothing_to_report",
];

/** Error codes that carry a proof-of-work challenge. */
export const POW_ERROR_CODES: readonly string[] = [
  "pow_required",
  "pow_invalid",
];

function banned(reason: string): Notice {
  return { kind: "banned", reason };
}

/** Applies a safety event; `null` when it means nothing in this phase. */
export function safetyTransition(
  phase: Phase,
  event: SafetyEvent,
): Transition | null {
  switch (event.type) {
    case "pow":
      return phase === "waiting"
        ? {
          phase,
          effects: [{
            type: "check",
            challenge: event.challenge,
            retry: event.retry,
          }],
        }
        : null;
    case "solved":
      return phase === "waiting"
        ? {
          phase,
          effects: [{ type: "check", challenge: null }, {
            type: "sendRequest",
            pow: event.payload,
          }],
        }
        : null;
    case "report":
      if (phase !== "chat" && phase !== "closed") return null;
      return {
        phase,
        effects: [{
          type: "report",
          frame: event.frame,
          via: phase === "chat" ? "chat" : "socket",
        }],
      };
    case "reported":
    case "reportFailed":
      return phase === "chat" || phase === "closed"
        ? { phase, effects: [{ ...event }] }
        : null;
    case "banned":
      if (phase === "connecting" || phase === "waiting") {
        return {
          phase: "idle",
          effects: [{ type: "notice", notice: banned(event.reason) }],
        };
      }
      return phase === "chat"
        ? {
          phase: "idle",
          effects: [
            { type: "partnerTyping", on: false },
            { type: "lock" },
            { type: "notice", notice: banned(event.reason) },
          ],
        }
        : null;
    case "dismiss":
      return phase === "idle"
        ? { phase, effects: [{ type: "notice", notice: null }] }
        : null;
  }
}
