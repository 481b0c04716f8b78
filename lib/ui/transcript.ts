/**
 * Saving the conversation, browser code: the log as plain text, from the
 * page's own copy (nothing is stored on the server), downloaded as a
 * `.txt` through a Blob URL.
 *
 * @module
 */

import type { LogLine } from "./chat_log.ts";
import { closeText, commonText, type Dictionary, errorText } from "./i18n.ts";

/** The log as plain text, one line per entry, continuation lines indented. */
export function transcriptText(
  dict: Dictionary,
  lines: readonly LogLine[],
  date: string,
): string {
  const out = [dict.transcriptTitle(date), ""];
  for (const line of lines) {
    switch (line.kind) {
      case "me":
      case "guest": {
        const who = line.kind === "me" ? dict.me : dict.guest;
        const note = line.state === "undelivered"
          ? ` (${dict.undelivered})`
          : "";
        const text = line.text.replaceAll("\n", "\n    ");
        out.push(`[${line.time}] ${who}${note}: ${text}`);
        break;
      }
      case "system":
        out.push(`[${line.time}] ${dict[line.key]}`);
        break;
      case "common":
        out.push(`[${line.time}] ${commonText(dict, line.common)}`);
        break;
      case "close":
        out.push(`[${line.time}] ${closeText(dict, line.code)}`);
        break;
      case "error":
        out.push(`[${line.time}] ${errorText(dict, line.code)}`);
        break;
    }
  }
  return out.join("\n") + "\n";
}

/** Downloads the log as `strangers-YYYY-MM-DD-HHMM.txt`. */
export function downloadTranscript(
  dict: Dictionary,
  lines: readonly LogLine[],
): void {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${
    pad(now.getDate())
  }`;
  const text = transcriptText(dict, lines, now.toLocaleString(dict.lang));
  const url = URL.createObjectURL(
    new Blob([text], { type: "text/plain;charset=utf-8" }),
  );
  const a = document.createElement("a");
  a.href = url;
  a.download = `strangers-${day}-${pad(now.getHours())}${
    pad(now.getMinutes())
  }.txt`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
