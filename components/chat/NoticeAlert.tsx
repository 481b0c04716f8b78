/**
 * Why the visitor is back on the idle or wait screen, read out as an alert:
 * a close code, an error frame, a refused handshake or the server down.
 *
 * @module
 */

import type { Notice } from "../../lib/ui/chat_machine.ts";
import {
  closeText,
  type Dictionary,
  errorText,
  refusalText,
} from "../../lib/ui/i18n.ts";

/** Props of {@linkcode NoticeAlert}. */
export interface NoticeAlertProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** What happened. */
  notice: Notice;
}

function noticeText(dict: Dictionary, notice: Notice): string {
  switch (notice.kind) {
    case "close":
      return closeText(dict, notice.code);
    case "error":
      return errorText(dict, notice.code);
    case "refused":
      return refusalText(dict, notice.reason);
    case "down":
      return dict.serverDown;
    case "banned":
      return dict.bannedTitle;
  }
}

/** The notice as a translated alert. */
export function NoticeAlert({ dict, notice }: NoticeAlertProps) {
  return <p class="notice" role="alert">{noticeText(dict, notice)}</p>;
}
