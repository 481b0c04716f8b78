/**
 * Our own lines between Send and the server's echo, browser code (pure, no
 * DOM): each line shows at once as pending; the echo, which comes back in
 * the order the lines went out, confirms the pending line with its number
 * (or, from a server that numbers nothing, the oldest with its text), and
 * an error frame that refuses a line refuses the oldest one. After a
 * resume, the lines the server says it heard are delivered and the others
 * go again.
 *
 * @module
 */

/** A line sent and not yet echoed. */
export interface PendingLine {
  /** The log line's id. */
  id: number;
  /** The text as sent. */
  text: string;
  /** Our number for it in this chat (`seq`). */
  seq?: number;
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
  /** Our echo arrived with `text` (and our number `seq`, if it has one). */
  confirm(text: string, seq?: number): Settled;
  /**
   * The server heard our lines up to number `heard` (a resume): those
   * leave the queue and are returned; the rest stay, to be sent again.
   */
  settle(heard: number): PendingLine[];
  /** Every line still pending, oldest first, left in the queue. */
  peek(): readonly PendingLine[];
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
    confirm(text, seq) {
      const at = queue.findIndex((line) =>
        seq === undefined ? line.text === text : line.seq === seq
      );
      if (at < 0) return { confirmed: null, dropped: [] };
      const dropped = queue.slice(0, at);
      const confirmed = queue[at];
      queue = queue.slice(at + 1);
      return { confirmed, dropped };
    },
    settle(heard) {
      const done = queue.filter((line) => (line.seq ?? 0) <= heard);
      queue = queue.filter((line) => (line.seq ?? 0) > heard);
      return done;
    },
    peek() {
      return queue;
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
