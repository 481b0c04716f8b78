/**
 * The ban screen: the server closed the socket with 4003 (a visible ban).
 * It says so plainly, with the server's reason (when the ban ends), and
 * offers the way back to the start screen; nothing reconnects by itself.
 *
 * @module
 */

import { useRef } from "preact/hooks";
import { useFocusOnShow } from "../../lib/ui/focus.ts";
import type { Dictionary } from "../../lib/ui/i18n.ts";

/** Props of {@linkcode BanScreen}. */
export interface BanScreenProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The close frame's reason, as the server wrote it; may be empty. */
  reason: string;
  /** Back to start was pressed. */
  onBack(): void;
}

/** You can't chat here right now. */
export function BanScreen({ dict, reason, onBack }: BanScreenProps) {
  const ref = useRef<HTMLElement>(null);
  useFocusOnShow(ref, true);
  return (
    <main ref={ref} class="screen banned" tabIndex={-1}>
      <span class="ban-mark" aria-hidden="true" />
      <h1>{dict.bannedTitle}</h1>
      {reason && (
        <p>
          {dict.bannedText} <span class="ban-reason" dir="auto">{reason}</span>
        </p>
      )}
      <button type="button" class="button" onClick={onBack}>
        {dict.bannedBack}
      </button>
    </main>
  );
}
