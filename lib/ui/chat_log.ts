/**
 * The conversation as the chat store keeps it, browser code: the log's
 * lines (stamped with the time), the draft, and our own lines between Send
 * and the server's echo (`outbox.ts`). A refused line goes back into the
 * draft, with the reason; after a resume, the lines the server heard are
 * delivered.
 *
 * @module
 */

import { batch, type ReadonlySignal, signal } from "@preact/signals";
import type { Line } from "./chat_machine.ts";
import type { Clock } from "./clock.ts";
import type { Dictionary } from "./i18n.ts";
import { createOutbox, type PendingLine } from "./outbox.ts";

/** A line of the log as shown: the machine's line, stamped. */
export type LogLine = Line & {
  id: number;
  time: string;
  iso: string;
  /** Our line before its echo, or never echoed before the chat ended. */
  state?: "pending" | "undelivered";
};

/** The log, the draft and our pending lines. */
export interface ChatLog {
  /** The conversation. */
  lines: ReadonlySignal<LogLine[]>;
  /** What the visitor is typing. */
  draft: ReadonlySignal<string>;
  /** Our lines whose echo has not come back yet. */
  pending: ReadonlySignal<number>;
  /** The error code that sent our last line back into the box, if any. */
  refusal: ReadonlySignal<string | null>;
  /** Adds a line stamped now; returns its id. */
  add(line: Line): void;
  /** The visitor edited the draft. */
  setDraft(text: string): void;
  /**
   * Our line went out (numbered `seq`): it shows at once as pending; the
   * draft empties.
   */
  sent(text: string, seq?: number): void;
  /** A line was not sent at all, for `code`: the draft stays. */
  refuseDraft(code: string): void;
  /** Our echo arrived with `text` (and our number `seq`). */
  confirm(text: string, seq?: number): void;
  /**
   * A resume: the server heard our lines up to number `heard`, they are
   * delivered; returns the pending lines after them, to send again.
   */
  delivered(heard: number): readonly PendingLine[];
  /** The server refused a line with `code`: the oldest pending one. */
  refuse(code: string): void;
  /** The chat ended: pending lines stay undelivered. */
  abandon(): void;
  /** A new chat: nothing pending; `clear` also empties log and draft. */
  reset(clear: boolean): void;
}

/** Creates an empty log; `dict` gives the time format's language. */
export function createChatLog(
  clock: Clock,
  dict: ReadonlySignal<Dictionary>,
): ChatLog {
  let nextId = 1;
  const outbox = createOutbox();
  const lines = signal<LogLine[]>([]);
  const draft = signal("");
  const pending = signal(0);
  const refusal = signal<string | null>(null);

  function add(line: Line, state?: LogLine["state"]): number {
    const now = new Date(clock.now());
    const id = nextId++;
    lines.value = [...lines.value, {
      ...line,
      id,
      state,
      iso: now.toISOString(),
      time: now.toLocaleTimeString(dict.peek().lang, {
        hour: "2-digit",
        minute: "2-digit",
      }),
    }];
    return id;
  }

  /** Sets the state of lines `ids` (`undefined`: confirmed). */
  function mark(ids: number[], state: LogLine["state"]): void {
    if (ids.length === 0) return;
    lines.value = lines.value.map((l) =>
      ids.includes(l.id) ? { ...l, state } : l
    );
  }

  /** Refused lines leave the log and go back into the box, first. */
  function giveBack(back: { id: number; text: string }[], code: string): void {
    const ids = back.map((l) => l.id);
    lines.value = lines.value.filter((l) => !ids.includes(l.id));
    const texts = back.map((l) => l.text);
    draft.value = [...texts, draft.peek()].filter((t) => t !== "").join("\n");
    refusal.value = code;
  }

  return {
    lines,
    draft,
    pending,
    refusal,
    add,
    setDraft(text) {
      draft.value = text;
    },
    sent(text, seq) {
      batch(() => {
        const id = add({ kind: "me", text }, "pending");
        outbox.push(seq === undefined ? { id, text } : { id, text, seq });
        pending.value = outbox.size;
        draft.value = "";
        refusal.value = null;
      });
    },
    refuseDraft(code) {
      refusal.value = code;
    },
    confirm(text, seq) {
      const { confirmed, dropped } = outbox.confirm(text, seq);
      if (!confirmed) return;
      batch(() => {
        mark([confirmed.id], undefined);
        // Lines passed over were refused without a word (the server says
        // so at most once a second).
        if (dropped.length) giveBack(dropped, "rate_limited");
        pending.value = outbox.size;
      });
    },
    delivered(heard) {
      batch(() => {
        mark(outbox.settle(heard).map((l) => l.id), undefined);
        pending.value = outbox.size;
      });
      return outbox.peek();
    },
    refuse(code) {
      const refused = outbox.refuse();
      batch(() => {
        if (refused) giveBack([refused], code);
        else add({ kind: "error", code });
        pending.value = outbox.size;
      });
    },
    abandon() {
      mark(outbox.clear().map((l) => l.id), "undelivered");
      pending.value = 0;
    },
    reset(clear) {
      outbox.clear();
      batch(() => {
        pending.value = 0;
        if (clear) {
          lines.value = [];
          draft.value = "";
          refusal.value = null;
        }
      });
    },
  };
}
