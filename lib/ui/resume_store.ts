/**
 * Resuming a chat after a network blip, browser code: the store's side of
 * the resume rows (`resume_machine.ts`). It keeps this chat's resume token
 * and line numbers (`line_numbers.ts`), drops partner lines that came
 * already, turns a chat socket's drop into `drop` when the chat may be
 * resumed, plans the attempts (0.5 s, 1 s, 2 s, 4 s, 4 s … and no more
 * after the grace the `response` offered (else {@linkcode RESUME_GIVE_UP_MS}); at once when the browser says it is
 * `online` again), sends `resume` on the fresh socket and, once back in,
 * sends again our lines the server did not hear. A refusal because the
 * server still counts the dropped socket as connected is one more failed
 * attempt, not the end. It also holds the status line of the partner's
 * connection.
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";
import type { ChatEvent, Phase } from "./chat_machine.ts";
import type { ChatLog } from "./chat_log.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { ResumeTexts } from "./i18n_resume.ts";
import { createLineNumbers } from "./line_numbers.ts";
import type { PartnerStatus, ResumeEffect } from "./resume_machine.ts";
import type { ClientFrame } from "../ws/protocol.ts";
import {
  isResumableClose,
  RESUME_GIVE_UP_MS,
  resumeDelay,
} from "./resume_wire.ts";

/** "Stranger is back" shows this long. */
export const PARTNER_BACK_MS = 5000;

/**
 * The conversation's status line: our connection being restored, or what
 * the partner's did; "" when there is nothing to say.
 */
export function statusText(
  dict: ResumeTexts,
  phase: Phase,
  partner: PartnerStatus | null,
): string {
  if (phase === "resuming") return dict.reconnectingChat;
  if (phase !== "chat" || partner === null) return "";
  return partner === "away" ? dict.partnerAway : dict.partnerBack;
}

/** Options for {@linkcode createResumeStore}. */
export interface ResumeStoreOptions {
  /** Time and timers. */
  clock: Clock;
  /** Randomness for the attempts' jitter, in [0, 1). */
  random: () => number;
  /** Sends one frame on the chat socket. */
  send(frame: ClientFrame): void;
  /** Opens a fresh chat socket. */
  reopen(): void;
  /** The conversation: our lines pending until the server heard them. */
  log: Pick<ChatLog, "delivered">;
  /** Feeds one event to the machine. */
  dispatch(event: ChatEvent): void;
}

/** The resume side of the chat store. */
export interface ResumeStore {
  /** What the partner's connection did, for the status line. */
  partnerStatus: ReadonlySignal<PartnerStatus | null>;
  /** The number of our next line in this chat. */
  nextSeq(): number;
  /**
   * A server frame's event before the machine sees it: `null` for a
   * partner line that came already.
   */
  received(event: ChatEvent): ChatEvent | null;
  /** The chat socket closed in `phase`: `drop` when it may be resumed. */
  closed(event: ChatEvent, phase: Phase): ChatEvent;
  /** The machine moved: a chat begins, or is over. */
  moved(from: Phase, phase: Phase): void;
  /** Runs one resume effect. */
  run(effect: ResumeEffect): void;
  /** Listens for the browser coming back online; returns the stop. */
  start(): () => void;
}

/** Creates the resume side; nothing happens before a chat has a token. */
export function createResumeStore(options: ResumeStoreOptions): ResumeStore {
  const { clock, dispatch } = options;
  const numbers = createLineNumbers();
  const partnerStatus = signal<PartnerStatus | null>(null);
  /** The token of the last `response`, until the chat begins. */
  let offered: string | null = null;
  /** The server refused the attempt as too early: its close is no end. */
  let busy = false;
  let attempt = 0;
  /** How long after the drop the attempts stop: the server's grace. */
  let giveUpMs = RESUME_GIVE_UP_MS;
  /** When the attempts stop, 0 while none is planned. */
  let deadline = 0;
  let retryTimer: TimerId;
  let giveUpTimer: TimerId;
  let backTimer: TimerId;

  function stop(): void {
    clock.clearTimeout(retryTimer);
    clock.clearTimeout(giveUpTimer);
    retryTimer = giveUpTimer = undefined;
    attempt = deadline = 0;
  }

  function showPartner(status: PartnerStatus | null): void {
    clock.clearTimeout(backTimer);
    partnerStatus.value = status;
    if (status === "back") {
      backTimer = clock.setTimeout(() => {
        partnerStatus.value = null;
      }, PARTNER_BACK_MS);
    }
  }

  function wait(): void {
    if (!deadline) {
      deadline = clock.now() + giveUpMs;
      giveUpTimer = clock.setTimeout(
        () => dispatch({ type: "giveUp" }),
        giveUpMs,
      );
    }
    clock.clearTimeout(retryTimer);
    retryTimer = clock.setTimeout(
      () => dispatch({ type: "resumeNow" }),
      resumeDelay(attempt++, options.random),
    );
  }

  function run(effect: ResumeEffect): void {
    switch (effect.type) {
      case "resumeWait":
        wait();
        break;
      case "resumeOpen":
        clock.clearTimeout(retryTimer);
        options.reopen();
        break;
      case "sendResume":
        if (numbers.token) {
          const { token, seen } = numbers;
          options.send({ type: "resume", token, seen });
        }
        break;
      case "resumed":
        for (const line of options.log.delivered(effect.seen)) {
          if (line.seq === undefined) continue;
          options.send({ type: "message", message: line.text, seq: line.seq });
        }
        break;
      case "resumeStop":
        stop();
        break;
      case "partnerStatus":
        showPartner(effect.status);
        break;
    }
  }

  return {
    partnerStatus,
    nextSeq: () => numbers.next(),
    received(event) {
      if (event.type === "response") {
        offered = event.resume ?? null;
        giveUpMs = event.grace ? event.grace * 1000 : RESUME_GIVE_UP_MS;
      }
      if (event.type === "resumeBusy") busy = true;
      if (event.type === "message" && event.from === "guest") {
        return numbers.heard(event.seq) ? event : null;
      }
      return event;
    },
    closed(event, phase) {
      const closed = event.type === "lost" || event.type === "close";
      const code = closed ? event.code : undefined;
      const refusedEarly = busy && phase === "resuming";
      busy = false;
      if (closed && refusedEarly) return { type: "drop", code };
      return closed && phase === "chat" && numbers.token &&
          isResumableClose(code)
        ? { type: "drop", code }
        : event;
    },
    moved(from, phase) {
      if (from === "waiting" && phase === "chat") {
        numbers.begin(offered);
        offered = null;
      } else if (phase !== "chat" && phase !== "resuming") {
        numbers.end();
        stop();
        if (partnerStatus.peek() !== null) showPartner(null);
      }
    },
    run,
    start() {
      const online = () => dispatch({ type: "resumeNow" });
      globalThis.addEventListener?.("online", online);
      return () => {
        globalThis.removeEventListener?.("online", online);
        stop();
        clock.clearTimeout(backTimer);
      };
    },
  };
}
