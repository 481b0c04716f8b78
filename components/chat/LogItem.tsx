/**
 * One line of the conversation log: a bubble for a message (ours or the
 * partner's), a plain line for what the system says.
 *
 * @module
 */

import type { LogLine } from "../../lib/ui/chat_store.ts";
import { closeText, type Dictionary, errorText } from "../../lib/ui/i18n.ts";

/** Props of {@linkcode LogItem}. */
export interface LogItemProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The line to show. */
  line: LogLine;
}

function lineText(dict: Dictionary, line: LogLine): string {
  switch (line.kind) {
    case "me":
    case "guest":
      return line.text;
    case "system":
      return dict[line.key];
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
export function LogItem({ dict, line }: LogItemProps) {
  const text = lineText(dict, line);
  if (line.kind !== "me" && line.kind !== "guest") {
    return (
      <div class={`line system ${line.kind}`}>
        <p class="text">{text}</p>
      </div>
    );
  }
  return (
    <div class={`line ${line.kind}`}>
      <div class="bubble">
        <span class="who">{line.kind === "me" ? dict.me : dict.guest}</span>
        <p class="text" dir="auto">{text}</p>
        <time dateTime={line.iso}>{line.time}</time>
      </div>
    </div>
  );
}
