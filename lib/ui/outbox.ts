/**
 * Our own lines between Send and the server's echo, browser code (pure, no
 * DOM): each line shows at once as pending; the echo, which comes back in
 * the order the lines went out, confirms the oldest pending line with its
 * text, and an error frame that refuses a line refuses the oldest one.
 *
 * @module
 */

/** A line sent and not yet echoed. */
export interface PendingLine {
  /** The log line's id. */
  id: number;
  /** The text as sent. */
  text: string;
}

/** What an echo settled. */
export interface Settled {
  /** The line the echo confirms, if one was pending with its text. */
  confirmed: PendingLine | null;
  /**
   * Older lines the server passed over without an echo: refusals it did not
   * report (it answers a refusal at most once a second).
   */
  dropped: PendingLine[];
}

/** The queue of our pending lines, oldest first. */
export interface Outbox {
  /** How many lines wait for their echo. */
  readonly size: number;
  /** A line went out. */
  push(line: PendingLine): void;
  /** Our echo arrived with `text`. */
  confirm(text: string): Settled;
  /** The server refused a line: the oldest pending one. */
  refuse(): PendingLine | null;
  /** Every line still pending, removed (the chat ended). */
  clear(): PendingLine[];
}

/** Creates an empty outbox. */
export function createOutbox(): Outbox {
  let queue: PendingLine[] = [];
  return {
    get size() {
      return queue.length;
    },
    push(line) {
      queue.push(line);
    },
    confirm(text) {
      const at = queue.findIndex((line) => line.text === text);
      if (at < 0) return { confirmed: null, dropped: [] };
      const dropped = queue.slice(0, at);
      const confirmed = queue[at];
      queue = queue.slice(at + 1);
      return { confirmed, dropped };
    },
    refuse() {
      return queue.shift() ?? null;
    },
    clear() {
      const all = queue;
      queue = [];
      return all;
    },
  };
}
