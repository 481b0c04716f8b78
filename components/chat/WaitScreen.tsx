/**
 * The wait screen: connecting, waiting for a partner (or for someone who
 * shares an interest) or reconnecting, with Cancel (and Retry now while
 * reconnecting, Talk to anyone when nobody shares the interests); the bot
 * check when the server asks for one.
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import type { Notice } from "../../lib/ui/chat_machine.ts";
import { useFocusOnShow } from "../../lib/ui/focus.ts";
import type { Dictionary } from "../../lib/ui/i18n.ts";
import type { BotCheck } from "../../lib/ui/safety_store.ts";
import { NoticeAlert } from "./NoticeAlert.tsx";
import { PowCheck } from "./PowCheck.tsx";

/** Props of {@linkcode WaitScreen}. */
export interface WaitScreenProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** What the client is doing, in words. */
  label: ReadonlySignal<string>;
  /** Why the visitor waits again, if something went wrong. */
  notice: Notice | null;
  /** The socket dropped and a retry is scheduled. */
  reconnecting: boolean;
  /** Take focus when shown (after a visitor's action, not on page load). */
  refocus: boolean;
  /** Retry now was pressed. */
  onRetry(): void;
  /** Talk to anyone was pressed; `null` hides the button. */
  onWiden?: (() => void) | null;
  /** Cancel was pressed. */
  onCancel(): void;
  /** The bot check to solve, if the server asked for one. */
  check?: BotCheck | null;
  /** The bot check was solved. */
  onSolved?(payload: string): void;
}

/** Please wait, with a spinner. */
export function WaitScreen(props: WaitScreenProps) {
  const { dict, notice, reconnecting } = props;
  const sectionRef = useRef<HTMLElement>(null);
  useFocusOnShow(sectionRef, props.refocus);
  return (
    <main ref={sectionRef} class="screen wait" tabIndex={-1}>
      <span class="spinner large" aria-hidden="true" />
      <h1>{dict.pleaseWait}</h1>
      <p class="state" role="status">{props.label}</p>
      {notice && <NoticeAlert dict={dict} notice={notice} />}
      {props.check && (
        <PowCheck
          dict={dict}
          check={props.check}
          onSolved={(payload) => props.onSolved?.(payload)}
        />
      )}
      <div class="actions">
        {props.onWiden && (
          <button type="button" class="button primary" onClick={props.onWiden}>
            {dict.talkToAnyone}
          </button>
        )}
        {reconnecting && (
          <button type="button" class="button primary" onClick={props.onRetry}>
            {dict.retryNow}
          </button>
        )}
        <button type="button" class="button" onClick={props.onCancel}>
          {dict.cancel}
        </button>
      </div>
    </main>
  );
}
