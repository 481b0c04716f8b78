/**
 * The idle screen: the welcome text, the last notice if any, and Start.
 *
 * @module
 */

import { useRef } from "preact/hooks";
import type { Notice } from "../../lib/ui/chat_machine.ts";
import { useFocusOnShow } from "../../lib/ui/focus.ts";
import type { Dictionary } from "../../lib/ui/i18n.ts";
import { NoticeAlert } from "./NoticeAlert.tsx";

/** Props of {@linkcode IdleScreen}. */
export interface IdleScreenProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** Why the visitor is back here, if something went wrong. */
  notice: Notice | null;
  /** Take focus when shown (after a visitor's action, not on page load). */
  refocus: boolean;
  /** Start (or try again) was pressed. */
  onStart(): void;
}

/** Welcome and Start. */
export function IdleScreen(
  { dict, notice, refocus, onStart }: IdleScreenProps,
) {
  const startRef = useRef<HTMLButtonElement>(null);
  useFocusOnShow(startRef, refocus);
  return (
    <section class="screen idle">
      <h1>{dict.welcomeTitle}</h1>
      {dict.welcome.map((text, i) => <p key={i}>{text}</p>)}
      {notice && <NoticeAlert dict={dict} notice={notice} />}
      <button
        ref={startRef}
        type="button"
        class="button primary large"
        onClick={onStart}
      >
        {notice ? dict.tryAgain : dict.start}
      </button>
    </section>
  );
}
