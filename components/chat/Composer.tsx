/**
 * The message form under the log: the message box (never locked: our lines
 * show in the log as pending until the server echoes them), Send, the
 * character counter near the limit, why a line came back, Next, Block
 * and End conversation.
 *
 * Keys: on a keyboard Enter sends and Shift+Enter makes a new line; on a
 * phone Enter makes a new line and Send sends; Ctrl+Enter (⌘+Enter) always
 * sends.
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import { type Dictionary, errorText } from "../../lib/ui/i18n.ts";

/** The counter shows once the draft is past this share of the limit. */
export const COUNTER_FROM = 0.8;

/** Props of {@linkcode Composer}. */
export interface ComposerProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** What the visitor is typing. */
  draft: ReadonlySignal<string>;
  /** Our lines whose echo has not come back yet. */
  pending: ReadonlySignal<number>;
  /** Why the last line came back into the box, as an error code. */
  refusal: ReadonlySignal<string | null>;
  /** Longest line the server takes. */
  maxLength: number;
  /** A phone or narrow window: Enter makes a new line. */
  compact: boolean;
  /** Whether the message box should take focus now (true once per ask). */
  claimFocus(): boolean;
  /** The visitor edited the draft. */
  onDraft(text: string): void;
  /** Send (button, Enter on a keyboard, Ctrl+Enter). */
  onSubmit(): void;
  /** Next was pressed. */
  onNext(): void;
  /** End conversation was pressed. */
  onEnd(): void;
  /** Block was pressed: never this stranger again, and end. */
  onBlock(): void;
}

/** Props of {@linkcode BlockButton}. */
export interface BlockButtonProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** Block was pressed. */
  onBlock(): void;
}

/**
 * Block: its name says what it does; on a phone it shows as a sign (its
 * label stays for screen readers), so that Next and End keep their room.
 */
export function BlockButton({ dict, onBlock }: BlockButtonProps) {
  return (
    <button
      type="button"
      class="button block"
      aria-label={dict.blockLabel}
      title={dict.blockLabel}
      onClick={onBlock}
    >
      <span class="block-sign" aria-hidden="true" />
      <span class="label">{dict.block}</span>
    </button>
  );
}

/** Whether a key press in the message box sends the line. */
export function sendsOnKey(
  e: Pick<
    KeyboardEvent,
    "key" | "shiftKey" | "ctrlKey" | "metaKey" | "isComposing"
  >,
  compact: boolean,
): boolean {
  if (e.key !== "Enter" || e.isComposing) return false;
  if (e.ctrlKey || e.metaKey) return true;
  return !e.shiftKey && !compact;
}

/** The form to write, send, skip or end. */
export function Composer(props: ComposerProps) {
  const { dict, onSubmit, maxLength } = props;
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const draft = props.draft.value;
  const refusal = props.refusal.value;
  const left = maxLength - draft.length;

  useLayoutEffect(() => {
    if (inputRef.current && props.claimFocus()) inputRef.current.focus();
  });

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {refusal && (
        <p class="refusal" role="alert">
          {dict.refusedLine(errorText(dict, refusal))}
        </p>
      )}
      <div class="compose-row">
        <textarea
          ref={inputRef}
          rows={2}
          required
          aria-label={dict.messageLabel}
          aria-invalid={left < 0 ? "true" : undefined}
          placeholder={props.compact ? dict.placeholderTouch : dict.placeholder}
          value={draft}
          onInput={(e) => props.onDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (sendsOnKey(e, props.compact)) {
              e.preventDefault();
              onSubmit();
            }
          }}
        />
        <button type="submit" class="button primary send">
          <span class="label">{dict.send}</span>
        </button>
      </div>
      <div class="compose-actions">
        {draft.length > maxLength * COUNTER_FROM
          ? (
            <span
              class={left < 0 ? "counter over" : "counter"}
              aria-live="polite"
            >
              {dict.charsLeft(left)}
            </span>
          )
          : <span class="hint">{dict.escHint}</span>}
        <button type="button" class="button" onClick={props.onNext}>
          {dict.next}
        </button>
        <BlockButton dict={dict} onBlock={props.onBlock} />
        <button type="button" class="button danger" onClick={props.onEnd}>
          {dict.end}
        </button>
      </div>
    </form>
  );
}
