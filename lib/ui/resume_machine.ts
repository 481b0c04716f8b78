/**
 * The resume rows of the chat machine's table (`chat_machine.ts`), browser
 * code, pure: getting back into a chat after a network blip, and what the
 * visitor sees while the partner's connection is the one that dropped.
 *
 * | event       | from     | to       | effects                               |
 * |-------------|----------|----------|---------------------------------------|
 * | drop        | chat     | resuming | typing off, `resumeWait` (0.5 s, 1 s, 2 s, 4 s…) |
 * | resumeNow   | resuming | resuming | `resumeOpen`: a fresh socket now      |
 * | request     | resuming | resuming | `sendResume` (the socket is open)     |
 * | drop, lost, down, refused | resuming | resuming | `resumeWait`         |
 * | close (may be resumed) | resuming | resuming | `resumeWait`               |
 * | resumed     | resuming | chat     | `resumeStop`, `resumed` (settle, send again) |
 * | close (final) | resuming | closed | the close's line                      |
 * | error       | resuming | closed   | the error's line (`resume_failed`)    |
 * | giveUp      | resuming | closed   | "could not reconnect in time"         |
 * | resumeBusy  | resuming | resuming | (its close 4005 is a failed attempt)  |
 * | end         | resuming | closed   | stops reconnecting, "Chat closed"     |
 * | next        | resuming | connecting | stops reconnecting, a new chat      |
 * | banned      | resuming | idle     | as in a chat                          |
 * | partnerAway | chat     | chat     | typing off, status `away`             |
 * | partnerBack | chat     | chat     | status `back`                         |
 *
 * `drop` is the chat socket's close, made by the store when this side of
 * the chat has a resume token and the close may be resumed
 * (`isResumableClose`); without a token a drop ends the chat as it always
 * did. Every other event is ignored while resuming.
 *
 * @module
 */

import type {
  ChatEvent,
  Effect,
  Line,
  Phase,
  Transition,
} from "./chat_machine.ts";
import { isExplainedClose } from "./close_codes.ts";
import { isResumableClose } from "./resume_wire.ts";
import { safetyTransition } from "./safety_machine.ts";

/** What the partner's connection did, as a status line says. */
export type PartnerStatus = "away" | "back";

/** A resume event: a socket callback, a timer, or a server frame. */
export type ResumeEvent =
  /** The chat socket dropped, and this side of the chat may resume. */
  | { type: "drop"; code?: number }
  /** Try to get back in now: the wait is over, or the browser is online. */
  | { type: "resumeNow" }
  /** `{"type":"resumed","seen":m}`: back in; the server heard our 1…m. */
  | { type: "resumed"; seen: number }
  /** The grace is over without getting back in. */
  | { type: "giveUp" }
  /**
   * The server refused the resume as the old socket seems connected to it
   * still: the close that follows is one more failed attempt.
   */
  | { type: "resumeBusy" }
  /** `{"type":"partner_away"}` */
  | { type: "partnerAway" }
  /** `{"type":"partner_back"}` */
  | { type: "partnerBack" };

/** What the store must do for a resume event. */
export type ResumeEffect =
  /** Plan the next attempt after the backoff; the first starts the clock. */
  | { type: "resumeWait" }
  /** Open a fresh socket for the resume now. */
  | { type: "resumeOpen" }
  /** The fresh socket is open: send `resume` with the token and `seen`. */
  | { type: "sendResume" }
  /** Our lines up to `seen` are delivered; send the others again. */
  | { type: "resumed"; seen: number }
  /** No more attempts: cancel the timers. */
  | { type: "resumeStop" }
  /** Show what the partner's connection did (`null`: nothing). */
  | { type: "partnerStatus"; status: PartnerStatus | null };

const RESUME_EVENTS: readonly string[] = [
  "drop",
  "resumeNow",
  "resumed",
  "giveUp",
  "resumeBusy",
  "partnerAway",
  "partnerBack",
];

/** Whether `event` is one of the resume rows' own events. */
export function isResumeEvent(event: ChatEvent): event is ResumeEvent {
  return RESUME_EVENTS.includes(event.type);
}

/** The effect of our own echo: confirm the line, by its number if any. */
export function confirmLine(event: { text: string; seq?: number }): Effect {
  return event.seq === undefined
    ? { type: "confirm", text: event.text }
    : { type: "confirm", text: event.text, seq: event.seq };
}

function to(phase: Phase, ...effects: Effect[]): Transition {
  return { phase, effects };
}

const WAIT: Effect = { type: "resumeWait" };
const STOP: Effect = { type: "resumeStop" };
const TYPING_OFF: Effect = { type: "partnerTyping", on: false };

/** The chat is over while resuming: say why, as a closed chat does. */
function ended(line: Line, socketOpen: boolean): Transition {
  return to(
    "closed",
    STOP,
    ...(socketOpen ? [{ type: "closeSocket" } as const] : []),
    { type: "line", line },
    TYPING_OFF,
    { type: "lock" },
  );
}

/** Rows of phase `resuming`, for the events that are not resume events. */
function whileResuming(event: ChatEvent): Transition | null {
  switch (event.type) {
    case "request":
      return to("resuming", { type: "sendResume" });
    case "lost":
    case "down":
    case "refused":
      return to("resuming", WAIT);
    case "close":
      if (isResumableClose(event.code)) return to("resuming", WAIT);
      return ended(
        isExplainedClose(event.code)
          ? { kind: "close", code: event.code }
          : { kind: "system", key: "chatClosed" },
        false,
      );
    case "error":
      return ended({ kind: "error", code: event.code }, true);
    case "end":
      return ended({ kind: "system", key: "chatClosed" }, true);
    case "next":
      return to("connecting", STOP, TYPING_OFF, { type: "lock" }, {
        type: "openSocket",
      });
    case "banned": {
      const banned = safetyTransition("chat", event);
      return banned && to(banned.phase, STOP, ...banned.effects);
    }
    default:
      return null;
  }
}

/**
 * Applies a resume event, or any event while resuming. Returns `null` when
 * it means nothing in this phase (ignored).
 */
export function resumeTransition(
  phase: Phase,
  event: ChatEvent,
): Transition | null {
  switch (event.type) {
    case "drop":
      if (phase === "chat") {
        return to("resuming", TYPING_OFF, {
          type: "partnerStatus",
          status: null,
        }, WAIT);
      }
      return phase === "resuming" ? to("resuming", WAIT) : null;
    case "resumeNow":
      return phase === "resuming"
        ? to("resuming", { type: "resumeOpen" })
        : null;
    case "resumed":
      return phase === "resuming"
        ? to("chat", STOP, { type: "resumed", seen: event.seen })
        : null;
    case "giveUp":
      return phase === "resuming"
        ? ended({ kind: "system", key: "resumeGaveUp" }, true)
        : null;
    case "resumeBusy":
      return phase === "resuming" ? to("resuming") : null;
    case "partnerAway":
      return phase === "chat"
        ? to("chat", TYPING_OFF, { type: "partnerStatus", status: "away" })
        : null;
    case "partnerBack":
      return phase === "chat"
        ? to("chat", { type: "partnerStatus", status: "back" })
        : null;
    default:
      return phase === "resuming" ? whileResuming(event) : null;
  }
}
