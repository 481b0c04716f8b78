/**
 * The server's frames as the chat client reads them, browser code: each
 * JSON text becomes an event for the machine (`chat_machine.ts`) or an
 * `online` count; anything else is ignored, as the original widget does.
 * An error that carries a proof-of-work `challenge` is the event `pow`, and
 * one that refuses a report the event `reportFailed`. Resuming adds
 * `resumed`, `partner_away`, `partner_back`, the token on `response` and
 * the line numbers (`seq`) on `message` (`resume_wire.ts`).
 *
 * @module
 */

import type { ChatEvent } from "./chat_machine.ts";
import {
  graceOf,
  isBusyRefusal,
  seenOf,
  seqOf,
  tokenOf,
} from "./resume_wire.ts";
import { POW_ERROR_CODES, REPORT_ERROR_CODES } from "./safety_machine.ts";

/** A list of strings, or `undefined` for anything else. */
function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string")
    ? value
    : undefined;
}

/**
 * Reads one server frame (a JSON text) into a machine event, or an `online`
 * count. Unknown or malformed frames yield `null`: the widget ignores them.
 */
export function parseServerFrame(
  data: unknown,
): ChatEvent | { type: "online"; count: number } | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const frame = value as Record<string, unknown>;
  switch (frame.type) {
    case "response": {
      const common = strings(frame.common);
      const resume = tokenOf(frame.resume);
      const grace = graceOf(frame.grace);
      return {
        type: "response",
        ...(common ? { common } : {}),
        ...(resume ? { resume } : {}),
        ...(resume && grace ? { grace } : {}),
      };
    }
    case "blocked":
      return { type: "blocked" };
    case "reported":
      return { type: "reported" };
    case "message":
      if (
        typeof frame.message !== "string" ||
        (frame.from !== "me" && frame.from !== "guest")
      ) return null;
      return withSeq(
        { type: "message", from: frame.from, text: frame.message },
        seqOf(frame.seq),
      );
    case "typing":
      return typeof frame.on === "boolean"
        ? { type: "typing", on: frame.on }
        : null;
    case "online":
      return typeof frame.count === "number" && Number.isFinite(frame.count) &&
          frame.count >= 0
        ? { type: "online", count: Math.floor(frame.count) }
        : null;
    case "error":
      return typeof frame.code === "string" ? errorEvent(frame) : null;
    case "resumed": {
      const seen = seenOf(frame.seen);
      return seen === undefined ? null : { type: "resumed", seen };
    }
    case "partner_away":
      return { type: "partnerAway" };
    case "partner_back":
      return { type: "partnerBack" };
    default:
      return null;
  }
}

/** A chat line's event, with its number when the server gave one. */
function withSeq(
  event: ChatEvent & { type: "message" },
  seq: number | undefined,
): ChatEvent {
  return seq === undefined ? event : { ...event, seq };
}

/** An error frame (its `code` a string) as the machine's event. */
function errorEvent(frame: Record<string, unknown>): ChatEvent {
  const code = frame.code as string;
  const { challenge } = frame;
  if (isBusyRefusal(code, frame.reason)) return { type: "resumeBusy" };
  if (
    POW_ERROR_CODES.includes(code) && typeof challenge === "object" &&
    challenge !== null && !Array.isArray(challenge)
  ) {
    return {
      type: "pow",
      challenge: challenge as Record<string, unknown>,
      retry: code === "pow_invalid",
    };
  }
  return REPORT_ERROR_CODES.includes(code)
    ? { type: "reportFailed", code }
    : { type: "error", code };
}
