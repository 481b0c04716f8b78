/**
 * Pushes the online count to visitors not in a chat (only the screens
 * before a chat show it: a frame to a visitor in a chat would cost a write
 * and show nothing), coalesced to one push per interval and only when the
 * count changed.
 *
 * @module
 */

import type { Session } from "./session.ts";
import { errorFrame, onlineFrame } from "./ws/protocol.ts";

/** Options for {@linkcode OnlinePush}. */
export interface OnlinePushOptions {
  /** Minimum milliseconds between two pushes. */
  interval: number;
  /** The count to show. */
  count: () => number;
  /** Who may be told. */
  sessions: () => Iterable<Session>;
  /** Also look every interval: the count moves with other instances too. */
  poll: boolean;
}

/** The coalesced online-count push of one switchboard. */
export class OnlinePush {
  #options: OnlinePushOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #sent = -1;

  constructor(options: OnlinePushOptions) {
    this.#options = options;
    if (options.poll) {
      this.#poll = setInterval(() => this.changed(), options.interval);
      Deno.unrefTimer(this.#poll);
    }
  }

  /** The count may have changed: push it within the interval. */
  changed(): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      const count = this.#options.count();
      if (count === this.#sent) return;
      this.#sent = count;
      const frame = onlineFrame(count);
      for (const session of this.#options.sessions()) {
        if (session.state !== "chat") session.peer.send(frame);
      }
    }, this.#options.interval);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /**
   * `session` says `presence`, a page open on its first screen: counted and
   * pushed the count like any session not in a chat, told it now (a join a
   * leave cancelled out is never pushed). Once, before `request`; the
   * connection drops its timeout.
   */
  presence(session: Session): void {
    if (session.present || session.waitingSince !== 0) {
      const what = session.present ? "presence" : "request";
      return session.peer.send(
        errorFrame("already_present", `${what} already sent`),
      );
    }
    session.present = true;
    session.peer.send(onlineFrame(this.#options.count()));
  }

  /** Drops a pending push (everyone is being closed). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops every timer. */
  dispose(): void {
    this.cancel();
    clearInterval(this.#poll);
    this.#poll = undefined;
  }
}
