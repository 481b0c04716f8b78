/**
 * The `report` frame, checked like every client frame: a reason from a
 * fixed list, an optional note, and the reporter's own copy of the chat's
 * last lines (which the server marks verified or not against its digests).
 *
 * @module
 */

/** Why a visitor reports a stranger. */
export const REPORT_REASONS = [
  "spam",
  "harassment",
  "sexual",
  "underage",
  "other",
] as const;

/** One of {@linkcode REPORT_REASONS}. */
export type ReportReason = typeof REPORT_REASONS[number];

/** A line as the reporter saw it: its own (`me`) or the stranger's (`guest`). */
export interface ReportedLine {
  from: "me" | "guest";
  message: string;
}

/** `report`: this stranger broke the rules (during a chat or just after). */
export interface ReportFrame {
  type: "report";
  reason: ReportReason;
  /** The reporter's words, at most {@linkcode MAX_NOTE} characters. */
  note: string;
  /** The chat's last lines, oldest first, at most {@linkcode MAX_LINES}. */
  lines: ReportedLine[];
  /** The browser token, for a report after the chat's socket closed. */
  token?: string;
}

/** Longest note, in UTF-16 code units. */
export const MAX_NOTE = 500;
/** Most lines a report carries: the digests the server keeps per chat. */
export const MAX_LINES = 50;

/** The result of {@linkcode parseReport}. */
export type ReportParse =
  | { ok: true; frame: ReportFrame }
  | { ok: false; reason: string };

/**
 * Checks a `report` frame's fields (`frame.type` is `"report"`); a line
 * longer than `maxMessageLength` cannot have been relayed and is refused.
 */
export function parseReport(
  frame: Record<string, unknown>,
  maxMessageLength: number,
  isToken: (value: unknown) => value is string,
): ReportParse {
  const { reason, note = "", lines = [], token } = frame;
  if (!REPORT_REASONS.includes(reason as ReportReason)) {
    return fail(`reason must be one of ${REPORT_REASONS.join(", ")}`);
  }
  if (typeof note !== "string" || note.length > MAX_NOTE) {
    return fail(`note must be a string of at most ${MAX_NOTE} characters`);
  }
  if (!Array.isArray(lines) || lines.length > MAX_LINES) {
    return fail(`lines must be an array of at most ${MAX_LINES}`);
  }
  const copy: ReportedLine[] = [];
  for (const line of lines) {
    const { from, message } = (line ?? {}) as Record<string, unknown>;
    if (
      typeof line !== "object" || Array.isArray(line) ||
      (from !== "me" && from !== "guest") || typeof message !== "string" ||
      message.length > maxMessageLength
    ) {
      return fail(
        `each line must be {"from":"me"|"guest","message":string of at most ${maxMessageLength}}`,
      );
    }
    copy.push({ from, message });
  }
  if (token !== undefined && !isToken(token)) {
    return fail("token must be 16 to 64 of [A-Za-z0-9_-]");
  }
  const report: ReportFrame = {
    type: "report",
    reason: reason as ReportReason,
    note,
    lines: copy,
  };
  if (token !== undefined) report.token = token;
  return { ok: true, frame: report };
}

function fail(reason: string): ReportParse {
  return { ok: false, reason };
}
