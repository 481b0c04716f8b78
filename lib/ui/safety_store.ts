/**
 * The chat store's safety state, browser code: the bot check to solve, the
 * report dialog, and where this chat's report is. It runs the effects of
 * `safety_machine.ts`: a report during a chat goes on the chat's socket
 * (and, should that chat close before the server answers, again on a new
 * one); after the chat, on a socket of its own (`report.ts`).
 *
 * @module
 */

import { batch, type ReadonlySignal, signal } from "@preact/signals";
import type { ClientFrame, ReportFrame } from "../ws/protocol.ts";
import type { Phase } from "./chat_machine.ts";
import type { ChatSocket } from "./chat_socket.ts";
import type { Clock } from "./clock.ts";
import { sendReport } from "./report.ts";
import type { SafetyEffect } from "./safety_machine.ts";

/** A proof-of-work challenge to solve before the request goes again. */
export interface BotCheck {
  /** The server's ALTCHA challenge, as it sent it. */
  challenge: Record<string, unknown>;
  /** The last solution was refused (expired or reused). */
  retry: boolean;
}

/** Where this chat's report is. */
export type ReportStatus = "idle" | "sending" | "sent" | "failed";

/** Options for {@linkcode createSafetyStore}. */
export interface SafetyStoreOptions {
  /** Opens a new socket to the server (for a report after the chat). */
  connect(): ChatSocket;
  /** Time and timers. */
  clock: Clock;
  /** Sends a frame on the chat's socket. */
  send(frame: ClientFrame): void;
}

/** The safety state as signals, and what changes it. */
export interface SafetyStore {
  /** The bot check while one is to be solved. */
  check: ReadonlySignal<BotCheck | null>;
  /** Where this chat's report is. */
  report: ReadonlySignal<ReportStatus>;
  /** Why the last report failed, as an error code. */
  reportError: ReadonlySignal<string | null>;
  /** The report dialog is open. */
  dialog: ReadonlySignal<boolean>;
  /** Opens or closes the report dialog. */
  showDialog(open: boolean): void;
  /** Runs one effect of the safety machine. */
  run(effect: SafetyEffect): void;
  /** The machine went from `from` to `phase`. */
  moved(from: Phase, phase: Phase): void;
}

/** Creates the safety state: no check, no report. */
export function createSafetyStore(options: SafetyStoreOptions): SafetyStore {
  const check = signal<BotCheck | null>(null);
  const report = signal<ReportStatus>("idle");
  const reportError = signal<string | null>(null);
  const dialog = signal(false);
  /** A report sent on the chat's socket, not answered yet. */
  let onChat: ReportFrame | null = null;
  /** Bumped for each new chat: late answers about the last one are dropped. */
  let generation = 0;

  function settle(ok: boolean, code: string | null): void {
    onChat = null;
    batch(() => {
      report.value = ok ? "sent" : "failed";
      reportError.value = code;
      if (ok) dialog.value = false;
    });
  }

  async function sendAfter(frame: ReportFrame): Promise<void> {
    const ticket = generation;
    const result = await sendReport(frame, options);
    if (ticket !== generation) return;
    settle(result.ok, result.ok ? null : result.code);
  }

  function run(effect: SafetyEffect): void {
    switch (effect.type) {
      case "check":
        check.value = effect.challenge
          ? { challenge: effect.challenge, retry: effect.retry ?? false }
          : null;
        break;
      case "report":
        batch(() => {
          report.value = "sending";
          reportError.value = null;
        });
        if (effect.via === "chat") {
          onChat = effect.frame;
          options.send(effect.frame);
        } else {
          void sendAfter(effect.frame);
        }
        break;
      case "reported":
        settle(true, null);
        break;
      case "reportFailed":
        settle(false, effect.code);
        break;
    }
  }

  function moved(from: Phase, phase: Phase): void {
    if (phase !== "waiting") check.value = null;
    if (phase === "connecting") {
      generation++;
      onChat = null;
      batch(() => {
        report.value = "idle";
        reportError.value = null;
        dialog.value = false;
      });
    } else if (from === "chat" && phase === "closed" && onChat) {
      // The chat ended before the server answered: say it again, after.
      void sendAfter(onChat);
      onChat = null;
    }
  }

  return {
    check,
    report,
    reportError,
    dialog,
    showDialog(open) {
      batch(() => {
        dialog.value = open;
        // A failed report is tried again from a fresh form.
        if (open && report.peek() === "failed") {
          report.value = "idle";
          reportError.value = null;
        }
      });
    },
    run,
    moved,
  };
}
