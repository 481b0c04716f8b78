/**
 * The chat's connection to the server, browser code: one WebSocket at a
 * time, opened inside a signal `effect` whose cleanup closes it.
 *
 * On the idle screen (and after a chat ends) a presence socket is open: it
 * says `{"type":"presence"}` first and receives the live online count;
 * Start then sends `request` on it, or opens a socket if there is none.
 * Frames sent while a socket is still connecting (Block, pressed as the
 * ended screen's presence socket opens) go once it is open.
 * A presence socket that drops comes back quietly with backoff.
 *
 * A new chat socket also serves to resume a chat (`resume_store.ts`).
 * A chat socket that closes before it opened (close 1006, all a browser
 * sees of a refused handshake) is explained by `GET <wsPath>/admission`
 * (`admission.ts`): refused (and when to retry), the server down, or a
 * plain lost connection.
 *
 * @module
 */

import { effect as signalEffect, signal } from "@preact/signals";
import { type ClientFrame, WS_CLOSE } from "../ws/protocol.ts";
import type { Admission } from "./admission.ts";
import type { ChatEvent } from "./chat_machine.ts";
import { closeEvent } from "./close_codes.ts";
import type { ChatSocket } from "./chat_socket.ts";
import type { Clock } from "./clock.ts";
import { createRetryTimer } from "./retry_timer.ts";

/** Options for {@linkcode createChatLink}. */
export interface ChatLinkOptions {
  /** Opens a new socket to the server. */
  connect(): ChatSocket;
  /** Time and timers. */
  clock: Clock;
  /** Randomness for the presence socket's backoff. */
  random: () => number;
  /** Open a presence socket while no chat is on. */
  presence: boolean;
  /** Explains a handshake that failed; `null` skips the question. */
  probe: (() => Promise<Admission>) | null;
  /** A frame from the server, on either socket. */
  onFrame(data: unknown): void;
  /** The chat socket is open: time to send `request`. */
  onChatOpen(): void;
  /** The chat socket closed: the event for the machine. */
  onChatClose(event: ChatEvent): void;
  /** The presence socket opened (`true`) or dropped (`false`). */
  onPresence(live: boolean): void;
}

/** The connection: at most one socket, for presence or for a chat. */
export interface ChatLink {
  /** When the chat socket opened, 0 if it has not. */
  readonly openedAt: number;
  /** Sends one frame now, or once the socket opens if it is opening. */
  send(frame: ClientFrame): void;
  /** A chat starts: the presence socket becomes its socket, or a new one opens. */
  openChat(): void;
  /** Ends the chat socket; `onChatClose` follows. */
  close(): void;
  /** No chat is on: open a presence socket unless one is there. */
  idle(): void;
  /** Starts the socket effect; returns the function that stops everything. */
  start(): () => void;
}

/** Creates the link; nothing connects before `start()`. */
export function createChatLink(options: ChatLinkOptions): ChatLink {
  const { clock, onChatClose } = options;
  /** Bumped to open a new socket; its effect's cleanup closes the old one. */
  const generation = signal(0);
  let socket: ChatSocket | null = null;
  /** Frames sent while `socket` was connecting. */
  let queued: ClientFrame[] = [];
  let forChat = false;
  let openedAt = 0;
  /** Bumped to forget an admission question in flight. */
  let probing = 0;
  let asking = false;

  const presenceRetry = createRetryTimer({
    clock,
    random: options.random,
    onCountdown() {},
    onRetry: idle,
  });

  function send(frame: ClientFrame): void {
    const ws = socket;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    else if (ws && ws.readyState === WebSocket.CONNECTING) queued.push(frame);
  }

  function idle(): void {
    if (!options.presence || socket || asking) return;
    presenceRetry.cancel();
    forChat = false;
    generation.value = generation.peek() + 1;
  }

  function openChat(): void {
    presenceRetry.cancel();
    // A handshake failure still being explained is not this socket's.
    probing++;
    asking = false;
    if (socket && !forChat) {
      forChat = true;
      if (socket.readyState === WebSocket.OPEN) {
        openedAt = clock.now();
        options.onChatOpen();
      }
      return;
    }
    forChat = true;
    generation.value = generation.peek() + 1;
  }

  function close(): void {
    const ws = socket;
    if (!ws) {
      // Still asking why the handshake failed: stop asking, close now.
      probing++;
      asking = false;
      queueMicrotask(() =>
        onChatClose({ type: "close", code: WS_CLOSE.normal })
      );
    } else if (ws.readyState === WebSocket.CONNECTING) {
      // Closing a socket that is still connecting logs an error in the
      // console; let it open and close quietly, and move on now.
      socket = null;
      ws.onmessage = ws.onclose = null;
      ws.onopen = () => ws.close(WS_CLOSE.normal);
      queueMicrotask(() =>
        onChatClose({ type: "close", code: WS_CLOSE.normal })
      );
    } else {
      ws.close(WS_CLOSE.normal);
    }
  }

  async function explain(probe: () => Promise<Admission>): Promise<void> {
    const asked = ++probing;
    asking = true;
    const answer = await probe();
    if (asked !== probing) return;
    asking = false;
    onChatClose(
      answer.kind === "ok"
        ? closeEvent(WS_CLOSE.abnormal)
        : answer.kind === "down"
        ? { type: "down" }
        : {
          type: "refused",
          reason: answer.reason,
          retryAfter: answer.retryAfter,
        },
    );
  }

  /** One socket per generation. */
  function openSocket(): (() => void) | undefined {
    if (generation.value === 0) return;
    const ws = options.connect();
    socket = ws;
    openedAt = 0;
    queued = [];
    let opened = 0;
    ws.onopen = () => {
      opened = clock.now();
      if (forChat) {
        openedAt = opened;
        options.onChatOpen();
      } else {
        send({ type: "presence" });
        options.onPresence(true);
      }
      for (const frame of queued.splice(0)) send(frame);
    };
    ws.onmessage = (e) => options.onFrame(e.data);
    ws.onclose = (e) => {
      if (socket === ws) socket = null;
      if (!forChat) {
        options.onPresence(false);
        presenceRetry.schedule(opened);
      } else if (!opened && e.code === WS_CLOSE.abnormal && options.probe) {
        void explain(options.probe);
      } else {
        onChatClose(closeEvent(e.code, e.reason));
      }
    };
    return () => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (socket === ws) socket = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(WS_CLOSE.normal);
      else if (ws.readyState === WebSocket.CONNECTING) {
        ws.onopen = () => ws.close(WS_CLOSE.normal);
      }
    };
  }

  return {
    get openedAt() {
      return openedAt;
    },
    send,
    openChat,
    close,
    idle,
    start() {
      const stop = signalEffect(openSocket);
      return () => {
        probing++;
        asking = false;
        presenceRetry.cancel();
        stop();
      };
    },
  };
}
