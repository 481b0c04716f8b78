/**
 * The idle screen: a headline, what to talk about (the interests field,
 * passed in), the age and terms gate when the operator asks for it, one
 * primary action (Start, off until the gate is ticked), how it works in
 * three steps, the last notice if any, and the site's terms link.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
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
  /** The site's terms and privacy page, if it has one. */
  termsUrl?: string;
  /** The age and terms gate; `null` or absent: none. */
  gate?: { accepted: boolean; onChange(on: boolean): void } | null;
  /** Fields above Start (the interests). */
  children?: ComponentChildren;
}

/** Welcome and Start. */
export function IdleScreen(
  { dict, notice, refocus, onStart, termsUrl, gate, children }: IdleScreenProps,
) {
  const closed = gate ? !gate.accepted : false;
  const startRef = useRef<HTMLButtonElement>(null);
  useFocusOnShow(startRef, refocus);
  return (
    <main class="screen idle">
      <div class="hero">
        <span class="hero-mark" aria-hidden="true" />
        <h1>{dict.welcomeTitle}</h1>
        <p class="lead">{dict.lead}</p>
        {notice && <NoticeAlert dict={dict} notice={notice} />}
        {children}
        {gate && (
          <label class="check age-gate">
            <input
              type="checkbox"
              checked={gate.accepted}
              onChange={(e) => gate.onChange(e.currentTarget.checked)}
            />
            <span>
              {dict.ageGate} {termsUrl
                ? (
                  <a href={termsUrl} target="_blank" rel="noopener noreferrer">
                    {dict.ageGateTerms}
                  </a>
                )
                : dict.ageGateTerms}
            </span>
          </label>
        )}
        <button
          ref={startRef}
          type="button"
          class="button primary large"
          disabled={closed}
          onClick={onStart}
        >
          {notice ? dict.tryAgain : dict.start}
        </button>
      </div>
      <ol class="steps">
        {dict.welcome.map((text, i) => <li key={i}>{text}</li>)}
      </ol>
      {termsUrl && (
        <p class="fine">
          <a href={termsUrl}>{dict.terms}</a>
        </p>
      )}
    </main>
  );
}
