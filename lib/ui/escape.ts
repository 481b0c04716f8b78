/**
 * What Esc does in the chat, browser code: cancels connecting, waiting or
 * reconnecting; in a chat (or while resuming one), two presses within
 * {@linkcode ESC_TWICE_MS} end it (one press alone is too easy to make by
 * mistake).
 *
 * @module
 */

import type { ChatEvent, Phase } from "./chat_machine.ts";
import type { Clock } from "./clock.ts";

/** Two Esc presses this close end the chat. */
export const ESC_TWICE_MS = 1000;

/**
 * The Esc handler: reads the phase when pressed, and dispatches `end` or
 * `cancel` when Esc means one.
 */
export function escapeHandler(
  clock: Clock,
  chat: { phase(): Phase; dispatch(event: ChatEvent): void },
): () => void {
  let lastEsc = -Infinity;
  return () => {
    const now = clock.now();
    switch (chat.phase()) {
      case "connecting":
      case "waiting":
        return chat.dispatch({ type: "end" });
      case "reconnecting":
        return chat.dispatch({ type: "cancel" });
      case "chat":
      case "resuming":
        if (now - lastEsc < ESC_TWICE_MS) {
          lastEsc = -Infinity;
          chat.dispatch({ type: "end" });
        } else {
          lastEsc = now;
        }
    }
  };
}
