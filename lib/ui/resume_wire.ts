/**
 * The wire of "resume after a network blip" as the chat client reads it,
 * browser code, pure: `seq`, `seen` and the token in the server's frames
 * (the frames it sends are `ClientFrame`s of `lib/ws/protocol.ts`), which
 * close codes and refusals may be tried again, and the schedule of the
 * attempts.
 *
 * @module
 */

import { CLOSE, WS_CLOSE } from "../ws/protocol.ts";
import { backoffDelay } from "./reconnect.ts";

/** How long the client tries to get back into a chat: the server's grace. */
export const RESUME_GIVE_UP_MS = 30_000;

/** Closes that were meant: by us (1000), or by the server, on purpose. */
const FINAL_CLOSE_CODES: readonly number[] = [
  WS_CLOSE.normal,
  WS_CLOSE.noStatus,
  CLOSE.policy.code,
  CLOSE.tooBig.code,
  CLOSE.backend.code,
];

/**
 * Whether a chat socket that closed with `code` may be resumed: a drop
 * without a close frame (1006, or no code), a restart (1001, 1012) or
 * anything else the server does not send on purpose. Our own 1000, the
 * server's 1008, 1009, 1011 and every 4xxx are final.
 */
export function isResumableClose(code: number | undefined): boolean {
  if (code === undefined) return true;
  if (code >= 4000 && code <= 4999) return false;
  return !FINAL_CLOSE_CODES.includes(code);
}

/**
 * The wait before resume attempt `attempt` (0 for the first), in ms:
 * 0.5 s, 1 s, 2 s, then 4 s each; `random` (in [0, 1)) spreads it ±20 %,
 * 0.5 not at all.
 */
export function resumeDelay(attempt: number, random: () => number): number {
  return backoffDelay(attempt, { base: 500, cap: 4000, jitter: 0.4, random });
}

/** A line number: a positive safe integer, or `undefined`. */
export function seqOf(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) > 0
    ? value as number
    : undefined;
}

/** A `resumed` frame's `seen`: a non-negative safe integer, or `undefined`. */
export function seenOf(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? value as number
    : undefined;
}

/** The grace a `response` offers, in whole seconds (up to a day), or `undefined`. */
export function graceOf(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) > 0 &&
      (value as number) <= 86_400
    ? value as number
    : undefined;
}

/** A resume token as the `response` carries it (base64url), or `undefined`. */
export function tokenOf(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z0-9_-]{16,256}$/.test(value)
    ? value
    : undefined;
}

/**
 * Whether an error refuses a resume only because the server still counts
 * the dropped socket as connected (it has not noticed the drop yet, which
 * takes up to its idle timeout): worth another attempt, unlike the other
 * `resume_failed` reasons.
 */
export function isBusyRefusal(code: string, reason: unknown): boolean {
  return code === "resume_failed" && typeof reason === "string" &&
    /still connected/i.test(reason);
}
