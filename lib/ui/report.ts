/**
 * Report, browser code: the reasons the dialog offers, the `report` frame
 * built from the conversation as the page shows it, and sending a report
 * after the chat ended, on a socket of its own (open, send, wait for
 * `reported` or an error, close).
 *
 * The server keeps keyed digests of each chat's last lines and marks the
 * report's lines verified or not against them; the page sends its own copy.
 *
 * @module
 */

import type { ReportFrame } from "../ws/protocol.ts";
import type { LogLine } from "./chat_log.ts";
import type { ChatSocket } from "./chat_socket.ts";
import type { Clock, TimerId } from "./clock.ts";
import { parseServerFrame } from "./server_frame.ts";

/** Why a visitor reports a stranger (the wire's reasons). */
export type ReportReason = ReportFrame["reason"];

/** The reasons, in the order the dialog lists them. */
export const REPORT_REASONS: readonly ReportReason[] = [
  "spam",
  "harassment",
  "sexual",
  "underage",
  "other",
];

/** Most lines a report carries (the server's `MAX_LINES`). */
export const REPORT_LINES = 50;
/** Longest note, in UTF-16 code units (the server's `MAX_NOTE`). */
export const NOTE_MAX = 500;
/** A report after the chat that has no answer by then has failed. */
export const REPORT_TIMEOUT_MS = 15_000;

/**
 * The report frame: the conversation's last {@linkcode REPORT_LINES}
 * messages, oldest first, as the log shows them (ours that never reached
 * the server left out), the reason, the note (cut to
 * {@linkcode NOTE_MAX}) and the browser's token when there is one.
 */
export function reportFrame(
  lines: readonly LogLine[],
  report: { reason: ReportReason; note: string; token?: string },
): ReportFrame {
  const messages: ReportFrame["lines"] = [];
  for (const line of lines) {
    if (line.kind !== "me" && line.kind !== "guest") continue;
    if (line.state === "undelivered") continue;
    messages.push({ from: line.kind, message: line.text });
  }
  const frame: ReportFrame = {
    type: "report",
    reason: report.reason,
    note: report.note.trim().slice(0, NOTE_MAX),
    lines: messages.slice(-REPORT_LINES),
  };
  if (report.token) frame.token = report.token;
  return frame;
}

/** How a report ended: taken, or refused with an error code. */
export type ReportResult = { ok: true } | { ok: false; code: string };

/** Options for {@linkcode sendReport}. */
export interface SendReportOptions {
  /** Opens a new socket to the server. */
  connect(): ChatSocket;
  /** Time and timers. */
  clock: Clock;
  /** Gives up after this long without an answer.
   * @default {REPORT_TIMEOUT_MS} */
  timeoutMs?: number;
}

/**
 * Sends `frame` on a new socket and resolves with the server's answer:
 * `reported`, or an error frame's code. A socket that closes first, or no
 * answer within the timeout, is `unavailable`. The socket is closed after.
 */
export function sendReport(
  frame: ReportFrame,
  options: SendReportOptions,
): Promise<ReportResult> {
  const { clock } = options;
  const { promise, resolve } = Promise.withResolvers<ReportResult>();
  const ws = options.connect();
  function done(result: ReportResult): void {
    clock.clearTimeout(timer);
    ws.onopen = ws.onmessage = ws.onclose = null;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else if (ws.readyState === WebSocket.CONNECTING) {
      ws.onopen = () => ws.close(1000);
    }
    resolve(result);
  }
  const timer: TimerId = clock.setTimeout(
    () => done({ ok: false, code: "unavailable" }),
    options.timeoutMs ?? REPORT_TIMEOUT_MS,
  );
  ws.onopen = () => ws.send(JSON.stringify(frame));
  ws.onmessage = (e) => {
    const event = parseServerFrame(e.data);
    if (event?.type === "reported") done({ ok: true });
    else if (event?.type === "reportFailed" || event?.type === "error") {
      done({ ok: false, code: event.code });
    }
  };
  ws.onclose = () => done({ ok: false, code: "unavailable" });
  return promise;
}
