/**
 * One line of the conversation log: a bubble for a message (ours or the
 * partner's), a plain line for what the system says.
 *
 * @module
 */

import type { LogLine } from "../../lib/ui/chat_store.ts";
import {
  closeText,
  commonText,
  type Dictionary,
  errorText,
} from "../../lib/ui/i18n.ts";

/** Props of {@linkcode LogItem}. */
export interface LogItemProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The line to show. */
  line: LogLine;
  /**
   * It follows a line from the same side within a minute: the group shows
   * one name and one time, on its first bubble.
   * @default {false}
   */
  grouped?: boolean;
}

/** How close two lines from one side must be to share a name and a time. */
export const GROUP_WITHIN_MS = 60_000;

/**
 * Whether `line` continues `prev`'s group: a message from the same side,
 * sent within {@linkcode GROUP_WITHIN_MS} of it.
 */
export function continuesGroup(
  prev: LogLine | undefined,
  line: LogLine,
): boolean {
  if (!prev || prev.kind !== line.kind) return false;
  if (line.kind !== "me" && line.kind !== "guest") return false;
  const gap = Date.parse(line.iso) - Date.parse(prev.iso);
  return gap >= 0 && gap < GROUP_WITHIN_MS;
}

function lineText(dict: Dictionary, line: LogLine): string {
  switch (line.kind) {
    case "me":
    case "guest":
      return line.text;
    case "system":
      return dict[line.key];
    case "common":
      return commonText(dict, line.common);
    case "close":
      return closeText(dict, line.code);
    case "error":
      return errorText(dict, line.code);
  }
}

/**
 * One line of the log, as text (never as HTML); a message in a bidi isolate
 * (`dir="auto"`, `unicode-bidi: isolate`), whatever controls it holds.
 */
export function LogItem({ dict, line, grouped = false }: LogItemProps) {
  const text = lineText(dict, line);
  if (line.kind !== "me" && line.kind !== "guest") {
    return (
      <div class={`line system ${line.kind}`}>
        <p class="text">{text}</p>
      </div>
    );
  }
  return (
    <div
      class={`line ${line.kind}${grouped ? " grouped" : ""}${
        line.state ? ` ${line.state}` : ""
      }`}
    >
      <div class="bubble">
        {grouped
          ? (
            <span class="who visually-hidden">
              {line.kind === "me" ? dict.me : dict.guest}
            </span>
          )
          : (
            <span class="who">
              {line.kind === "me" ? dict.me : dict.guest}
            </span>
          )}
        <p class="text" dir="auto">{text}</p>
        {line.state && (
          <span class="state">
            {line.state === "pending" ? dict.pending : dict.undelivered}
          </span>
        )}
        {!grouped && <time dateTime={line.iso}>{line.time}</time>}
      </div>
    </div>
  );
}
