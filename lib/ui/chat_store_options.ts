/**
 * The options of the chat store (`chat_store.ts`), browser code: what the
 * island gives it, and what unit tests replace (the socket, the clock,
 * randomness).
 *
 * @module
 */

import type { RequestFrame } from "../ws/protocol.ts";
import type { Admission } from "./admission.ts";
import type { ChatSocket } from "./chat_socket.ts";
import type { Clock } from "./clock.ts";
import type { Lang } from "./i18n.ts";

/** Options for `createChatStore()`. */
export interface ChatStoreOptions {
  /** UI language. */
  lang: Lang;
  /** Visitors online when the page was rendered. */
  online: number;
  /** Longest chat line the server takes, in UTF-16 code units.
   * @default {2000} */
  maxMessageLength?: number;
  /** Path of the WebSocket endpoint, used by the default `connect`.
   * @default {"/ws"} */
  wsPath?: string;
  /** Open a presence socket on the idle screen for the live count.
   * @default {true} */
  presence?: boolean;
  /** Explains a handshake that failed (`null`: never ask).
   * @default {`GET <wsPath>/admission`} */
  probe?: (() => Promise<Admission>) | null;
  /** The `request` frame to send (interests, token…).
   * @default {`{"type":"request"}`, as the original widget sends} */
  request?: () => RequestFrame;
  /** The browser's token, sent with a report (`""`: none).
   * @default {none} */
  token?: () => string;
  /** Opens a new socket to the server.
   * @default {a `WebSocket` to `wsPath` on the page's host} */
  connect?: () => ChatSocket;
  /** Time and timers.
   * @default {SYSTEM_CLOCK} */
  clock?: Clock;
  /** Randomness for the backoff's jitter, in [0, 1).
   * @default {Math.random} */
  random?: () => number;
  /** Called when something arrives that deserves the visitor's attention.
   * @default {nothing} */
  notify?: (kind: "found" | "message") => void;
}
