/**
 * The chat client's state machine as a pure transition table: no DOM, no
 * socket, no timers. `transition(phase, event)` returns the next phase and
 * the side effects the island must run, or `null` when the event means
 * nothing in that phase (stale socket callbacks, double clicks): ignored,
 * never thrown.
 *
 * The original widget's five phases and five transitions are kept exactly:
 *
 * | event    | from              | to         |
 * |----------|-------------------|------------|
 * | open     | idle, closed      | connecting |
 * | request  | connecting        | waiting    |
 * | response | waiting           | chat       |
 * | close    | connecting, waiting | idle     |
 * | close    | chat              | closed     |
 *
 * Additions, documented here so the table stays the single source of truth:
 *
 * - phase `reconnecting`: the socket dropped (close 1001 server restart or
 *   1006 abnormal, mapped to event `lost` by {@linkcode closeEvent}) while
 *   looking for a partner; a backoff timer fires `retry` (→ connecting), the
 *   visitor may `open` (retry now) or `cancel` (→ idle).
 * - `lost` in `chat` ends the chat like `close` (the partner is gone anyway).
 * - `end` (End conversation, Esc twice, Cancel on the wait screen) closes the
 *   socket; the phase changes when the socket's `close` arrives, as in the
 *   original.
 * - `next` in `chat` drops this socket and opens a new one in one step; in
 *   `closed` it is the same as `open`.
 * - `message`, `typing` and `error` frames change the conversation, not the
 *   phase; they are in the table so that their phase rules are tested too.
 *   Our own line shows at once as pending; its echo `confirm`s it, and an
 *   error frame that refuses a line ({@linkcode REFUSAL_CODES}) `refuse`s
 *   it (it goes back into the message box with the reason).
 * - `refused` (the server turned the handshake away, learnt from
 *   `/ws/admission` since a browser sees only close 1006) and `down` (the
 *   server cannot be reached) reconnect like `lost`, with a notice saying
 *   why: `refused` after the server's `retryAfter`, `down` with backoff.
 * - A closed chat shows one line: the reason it closed, or "Chat closed".
 * - Matching by interests: a `response` with `common` says what both like
 *   (or, when the visitor asked for interests and got none, that nobody
 *   shared them); `widen` while waiting takes anyone; `block` in a chat
 *   asks the server, and its answer (`blocked`, or `nothing_to_block`)
 *   ends the chat as End does; `block` after it names the last partner.
 * - Safety (the bot check, Report, the ban): rows of their own, in
 *   `safety_machine.ts`; a line held back by the early-link filter comes
 *   back into the box like any refused line.
 * - Resuming a chat after a network blip: phase `resuming` and the events
 *   `drop`, `resumeNow`, `resumed`, `giveUp`, `partnerAway`, `partnerBack`
 *   have their rows in `resume_machine.ts`.
 *
 * @module
 */

import { type ClientFrame, WS_CLOSE } from "../ws/protocol.ts";
import { isExplainedClose } from "./close_codes.ts";
import {
  confirmLine,
  isResumeEvent,
  type ResumeEffect,
  type ResumeEvent,
  resumeTransition,
} from "./resume_machine.ts";
import {
  type SafetyEffect,
  type SafetyEvent,
  safetyTransition,
} from "./safety_machine.ts";

export {
  closeEvent,
  isExplainedClose,
  RETRYABLE_CLOSE_CODES,
} from "./close_codes.ts";

/** Where the chat is. The first five are the original widget's states. */
export type Phase =
  | "idle"
  | "connecting"
  | "waiting"
  | "chat"
  | "closed"
  | "reconnecting"
  | "resuming";

/** Every phase, in display order. */
export const PHASES: readonly Phase[] = [
  "idle",
  "connecting",
  "waiting",
  "chat",
  "closed",
  "reconnecting",
  "resuming",
];

/** Who wrote a chat line. */
export type Sender = "me" | "guest";

/** Something that happened: a click, a socket callback or a server frame. */
export type ChatEvent =
  | { type: "open" }
  | { type: "request" }
  | {
    type: "response";
    /** The interests both share, when the request carried interests. */
    common?: readonly string[];
    /** Our request carried at least one interest. */
    asked?: boolean;
    /** This side's resume token (`resume_wire.ts`), if the server gave one. */
    resume?: string;
    /** Seconds the server holds the chat after a drop, with the token. */
    grace?: number;
  }
  | { type: "close"; code?: number }
  | { type: "lost"; code?: number }
  | { type: "refused"; reason: string; retryAfter: number }
  | { type: "down" }
  | { type: "retry" }
  | { type: "cancel" }
  | { type: "end" }
  | { type: "next" }
  | { type: "widen" }
  | { type: "block"; token?: string }
  | { type: "blocked" }
  | { type: "message"; from: Sender; text: string; seq?: number }
  | { type: "typing"; on: boolean }
  | { type: "error"; code: string }
  | SafetyEvent
  | ResumeEvent;

/** A line of the conversation, before translation. */
export type Line =
  | { kind: Sender; text: string }
  | {
    kind: "system";
    key: "found" | "chatClosed" | "blocked" | "resumeGaveUp";
  }
  | { kind: "common"; common: readonly string[] }
  | { kind: "close"; code: number }
  | { kind: "error"; code: string };

/** Why the visitor is back on the idle or wait screen. */
export type Notice =
  | { kind: "close"; code: number }
  | { kind: "error"; code: string }
  | { kind: "refused"; reason: string; retryAfter: number }
  | { kind: "down" }
  | { kind: "banned"; reason: string };

/** Error codes that refuse one of our lines: it goes back into the box. */
export const REFUSAL_CODES: readonly string[] = [
  "message_too_long",
  "rate_limited",
  "not_paired",
  "empty_message",
  "not_delivered",
  "filtered",
];

/** What the island must do after a transition, in order. */
export type Effect =
  | { type: "openSocket" }
  | { type: "closeSocket" }
  | { type: "sendRequest"; pow?: string }
  | { type: "send"; frame: ClientFrame }
  | { type: "clearLog" }
  | { type: "line"; line: Line }
  | { type: "lock" }
  | { type: "unlock" }
  | { type: "confirm"; text: string; seq?: number }
  | { type: "refuse"; code: string }
  | { type: "notify"; kind: "found" | "message" }
  | { type: "focusInput" }
  | { type: "partnerTyping"; on: boolean }
  | { type: "scheduleRetry"; delay?: number }
  | { type: "cancelRetry" }
  | { type: "resetBackoff" }
  | { type: "notice"; notice: Notice | null }
  | SafetyEffect
  | ResumeEffect;

/** The outcome of an accepted event. */
export interface Transition {
  phase: Phase;
  effects: Effect[];
}

function to(phase: Phase, ...effects: Effect[]): Transition {
  return { phase, effects };
}

function line(line: Line): Effect {
  return { type: "line", line };
}

/** The line that says what both like, if the request named interests. */
function commonLine(
  common: readonly string[] | undefined,
  asked: boolean | undefined,
): Effect[] {
  return common && (common.length > 0 || asked)
    ? [line({ kind: "common", common })]
    : [];
}

/** A block in a chat ends it, as End does. */
function ending(phase: Phase): Effect[] {
  return phase === "chat" ? [{ type: "closeSocket" }] : [];
}

function closeChat(code: number | undefined): Transition {
  const effects: Effect[] = [
    line(
      isExplainedClose(code)
        ? { kind: "close", code }
        : { kind: "system", key: "chatClosed" },
    ),
    { type: "partnerTyping", on: false },
    { type: "lock" },
  ];
  return { phase: "closed", effects };
}

/**
 * Applies one event to one phase. Returns the next phase with the effects to
 * run, or `null` when the event is not valid in this phase (ignored).
 */
export function transition(phase: Phase, event: ChatEvent): Transition | null {
  if (phase === "resuming" || isResumeEvent(event)) {
    return resumeTransition(phase, event);
  }
  switch (event.type) {
    case "pow":
    case "solved":
    case "report":
    case "reported":
    case "reportFailed":
    case "banned":
    case "dismiss":
      return safetyTransition(phase, event);
    case "open":
      if (phase === "idle" || phase === "closed") {
        return to("connecting", { type: "notice", notice: null }, {
          type: "openSocket",
        });
      }
      if (phase === "reconnecting") {
        return to(
          "connecting",
          { type: "cancelRetry" },
          { type: "openSocket" },
        );
      }
      return null;
    case "request":
      return phase === "connecting"
        ? to("waiting", { type: "sendRequest" })
        : null;
    case "response":
      return phase === "waiting"
        ? to(
          "chat",
          { type: "notice", notice: null },
          { type: "resetBackoff" },
          { type: "clearLog" },
          line({ kind: "system", key: "found" }),
          ...commonLine(event.common, event.asked),
          { type: "partnerTyping", on: false },
          { type: "unlock" },
          { type: "notify", kind: "found" },
          { type: "focusInput" },
        )
        : null;
    case "close":
      if (phase === "connecting" || phase === "waiting") {
        return isExplainedClose(event.code)
          ? to("idle", {
            type: "notice",
            notice: { kind: "close", code: event.code },
          })
          : to("idle");
      }
      return phase === "chat" ? closeChat(event.code) : null;
    case "lost":
      if (phase === "connecting" || phase === "waiting") {
        return to("reconnecting", { type: "scheduleRetry" });
      }
      return phase === "chat"
        ? closeChat(event.code ?? WS_CLOSE.abnormal)
        : null;
    case "refused":
    case "down":
      if (phase !== "connecting" && phase !== "waiting") return null;
      return event.type === "refused"
        ? to("reconnecting", {
          type: "notice",
          notice: {
            kind: "refused",
            reason: event.reason,
            retryAfter: event.retryAfter,
          },
        }, {
          type: "scheduleRetry",
          delay: Math.max(1, event.retryAfter) * 1000,
        })
        : to("reconnecting", { type: "notice", notice: { kind: "down" } }, {
          type: "scheduleRetry",
        });
    case "retry":
      return phase === "reconnecting"
        ? to("connecting", { type: "openSocket" })
        : null;
    case "cancel":
      return phase === "reconnecting"
        ? to("idle", { type: "cancelRetry" }, { type: "resetBackoff" })
        : null;
    case "end":
      return phase === "connecting" || phase === "waiting" || phase === "chat"
        ? to(phase, { type: "closeSocket" })
        : null;
    case "next":
      if (phase === "chat") {
        return to(
          "connecting",
          { type: "partnerTyping", on: false },
          { type: "lock" },
          { type: "openSocket" },
        );
      }
      return phase === "closed"
        ? to("connecting", { type: "notice", notice: null }, {
          type: "openSocket",
        })
        : null;
    case "widen":
      return phase === "waiting"
        ? to("waiting", { type: "send", frame: { type: "widen" } })
        : null;
    case "block":
      return phase === "chat" || phase === "closed"
        ? to(phase, { type: "send", frame: { ...event } })
        : null;
    case "blocked":
      if (phase !== "chat" && phase !== "closed") return null;
      return to(
        phase,
        line({ kind: "system", key: "blocked" }),
        ...ending(phase),
      );
    case "message":
      if (phase !== "chat") return null;
      return event.from === "me" ? to("chat", confirmLine(event)) : to(
        "chat",
        { type: "partnerTyping", on: false },
        line({ kind: "guest", text: event.text }),
        { type: "notify", kind: "message" },
      );
    case "typing":
      return phase === "chat"
        ? to("chat", { type: "partnerTyping", on: event.on })
        : null;
    case "error":
      if (
        event.code === "unavailable" &&
        (phase === "connecting" || phase === "waiting")
      ) {
        // Pairing is down for a moment: drop this socket, try again later.
        return to("reconnecting", { type: "closeSocket" }, {
          type: "scheduleRetry",
        });
      }
      if (phase === "connecting" || phase === "waiting") {
        return to(phase, {
          type: "notice",
          notice: { kind: "error", code: event.code },
        });
      }
      // After a chat, errors answer a block on the presence socket.
      if (phase === "closed") {
        return to("closed", line({ kind: "error", code: event.code }));
      }
      // Talk to anyone crossed the partner's arrival: nothing to say.
      if (phase !== "chat" || event.code === "not_waiting") return null;
      if (event.code === "nothing_to_block") {
        return to(
          "chat",
          line({ kind: "error", code: event.code }),
          ...ending(phase),
        );
      }
      return REFUSAL_CODES.includes(event.code)
        ? to("chat", { type: "refuse", code: event.code })
        : to("chat", line({ kind: "error", code: event.code }));
  }
}
