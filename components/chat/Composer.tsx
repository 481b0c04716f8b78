/**
 * The message form under the log: the message box, Send (spinning until the
 * server echoes our line), Next and End conversation.
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Dictionary } from "../../lib/ui/i18n.ts";

/** Props of {@linkcode Composer}. */
export interface ComposerProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** What the visitor is typing. */
  draft: ReadonlySignal<string>;
  /** A line went out and its echo has not come back yet. */
  sending: ReadonlySignal<boolean>;
  /** Whether the message box should take focus now (true once per ask). */
  claimFocus(): boolean;
  /** The visitor edited the draft. */
  onDraft(text: string): void;
  /** Send (button or Ctrl+Enter). */
  onSubmit(): void;
  /** Next was pressed. */
  onNext(): void;
  /** End conversation was pressed. */
  onEnd(): void;
}

/** The form to write, send, skip or end. */
export function Composer(props: ComposerProps) {
  const { dict, onSubmit } = props;
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const sending = props.sending.value;

  useLayoutEffect(() => {
    if (inputRef.current && !sending && props.claimFocus()) {
      inputRef.current.focus();
    }
  });

  return (
    <form
      class="composer"
      aria-busy={sending ? "true" : undefined}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <div class="compose-row">
        <textarea
          ref={inputRef}
          rows={2}
          required
          readOnly={sending}
          aria-label={dict.messageLabel}
          placeholder={dict.placeholder}
          value={props.draft.value}
          onInput={(e) => props.onDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              onSubmit();
            }
          }}
        />
        <button
          type="submit"
          class="button primary send"
          disabled={sending}
          aria-busy={sending ? "true" : undefined}
        >
          {sending && <span class="spinner" aria-hidden="true" />}
          <span class="label">{dict.send}</span>
        </button>
      </div>
      <div class="compose-actions">
        <span class="hint">{dict.escHint}</span>
        <button type="button" class="button" onClick={props.onNext}>
          {dict.next}
        </button>
        <button type="button" class="button danger" onClick={props.onEnd}>
          {dict.end}
        </button>
      </div>
    </form>
  );
}
