/**
 * What a WebSocket close code means to the chat client, browser code,
 * pure: which closes the machine (`chat_machine.ts`) sees as `lost` (worth
 * reconnecting), `banned` or a plain `close`, and which deserve a word.
 *
 * @module
 */

import { CLOSE, WS_CLOSE } from "../ws/protocol.ts";
import type { ChatEvent } from "./chat_machine.ts";

/** Close codes after which reconnecting may help (server restart, network). */
export const RETRYABLE_CLOSE_CODES: readonly number[] = [
  CLOSE.goingAway.code,
  WS_CLOSE.abnormal,
];

/** Close codes that mean "closed on purpose, nothing to explain". */
const QUIET_CLOSE_CODES: readonly number[] = [
  WS_CLOSE.normal,
  WS_CLOSE.noStatus,
];

/**
 * Maps a WebSocket close code to the event the machine expects: `lost` for
 * a server restart (1001) or an abnormal drop (1006), `banned` (with the
 * server's `reason`) for 4003, `close` otherwise.
 */
export function closeEvent(code: number, reason = ""): ChatEvent {
  if (code === CLOSE.banned.code) return { type: "banned", reason };
  return RETRYABLE_CLOSE_CODES.includes(code)
    ? { type: "lost", code }
    : { type: "close", code };
}

/** Whether a close code deserves a line or notice of its own. */
export function isExplainedClose(code: number | undefined): code is number {
  return code !== undefined && !QUIET_CLOSE_CODES.includes(code);
}
