/**
 * The conversation screen: the log (following new lines while the reader is
 * at the bottom), the partner's typing indicator, the connection's status
 * line (a polite live region), and the composer or, once
 * the chat is closed, Start again (and Block, until the stranger is, and
 * Report, until reported; then the report's confirmation).
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { LogLine } from "../../lib/ui/chat_store.ts";
import { focusLost } from "../../lib/ui/focus.ts";
import { ReportButton } from "./ChatHeader.tsx";
import { BlockButton, Composer, type ComposerProps } from "./Composer.tsx";
import { continuesGroup, LogItem } from "./LogItem.tsx";

/** Props of {@linkcode Conversation}: the composer's, and the log's. */
export interface ConversationProps extends ComposerProps {
  /** The conversation so far. */
  lines: ReadonlySignal<LogLine[]>;
  /** The partner is typing. */
  partnerTyping: ReadonlySignal<boolean>;
  /**
   * The connection's status line (ours being restored, or the partner's
   * dropped or back); "" when all is well.
   */
  status: ReadonlySignal<string>;
  /** The chat ended: show Start again instead of the composer. */
  closed: boolean;
  /** The server took a block of this stranger: Block is done. */
  blocked: boolean;
  /** The server took a report of this stranger. */
  reported: boolean;
  /** Opens the report dialog after the chat; `null` hides the button. */
  onReport: (() => void) | null;
  /** Start again was pressed. */
  onStartAgain(): void;
}

/** The log and what to do next. */
export function Conversation(props: ConversationProps) {
  const { dict, closed } = props;
  const logRef = useRef<HTMLDivElement>(null);
  const againRef = useRef<HTMLButtonElement>(null);
  // Whether the reader is at the bottom of the log: a scroll anchor read
  // after each render, never rendered itself.
  const stick = useRef(true);
  const typing = props.partnerTyping.value && !closed;

  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stick.current) log.scrollTop = log.scrollHeight;
    if (closed && focusLost()) againRef.current?.focus();
  });

  return (
    <main class="conversation">
      <h1 class="visually-hidden">{dict.logLabel}</h1>
      <div
        ref={logRef}
        class="log"
        role="log"
        aria-live="polite"
        aria-label={dict.logLabel}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        }}
      >
        {props.lines.value.map((line, i, all) => (
          <LogItem
            key={line.id}
            dict={dict}
            line={line}
            grouped={continuesGroup(all[i - 1], line)}
          />
        ))}
      </div>
      <p class="typing" aria-live="polite">
        {typing && (
          <>
            <span class="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {dict.typing}
          </>
        )}
      </p>
      <p
        class={props.status.value ? "link-status shown" : "link-status"}
        role="status"
      >
        {props.status}
      </p>
      {closed
        ? (
          <div class="ended">
            <p role="status">
              {props.reported ? dict.reportSent : dict.ended}
            </p>
            <button
              ref={againRef}
              type="button"
              class="button primary"
              onClick={props.onStartAgain}
            >
              {dict.startAgain}
            </button>
            {!props.blocked && (
              <BlockButton dict={dict} onBlock={props.onBlock} />
            )}
            {props.onReport && (
              <ReportButton dict={dict} onReport={props.onReport} />
            )}
          </div>
        )
        : <Composer {...props} />}
    </main>
  );
}
