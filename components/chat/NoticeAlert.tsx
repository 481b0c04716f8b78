/**
 * Why the visitor is back on the idle or wait screen, read out as an alert.
 *
 * @module
 */

import type { Notice } from "../../lib/ui/chat_machine.ts";
import { closeText, type Dictionary, errorText } from "../../lib/ui/i18n.ts";

/** Props of {@linkcode NoticeAlert}. */
export interface NoticeAlertProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** What happened. */
  notice: Notice;
}

/** The notice as a translated alert. */
export function NoticeAlert({ dict, notice }: NoticeAlertProps) {
  return (
    <p class="notice" role="alert">
      {notice.kind === "close"
        ? closeText(dict, notice.code)
        : errorText(dict, notice.code)}
    </p>
  );
}
