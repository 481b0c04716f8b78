/**
 * Lines to a partner on another instance: the backend carries them, and
 * the sender's echo waits until it has taken each. A line it refuses, and
 * the lines still pending when the way to the partner is lost, are
 * reported to the sender as not delivered.
 *
 * @module
 */

import type { Backend } from "./backends/backend.ts";
import type { Session } from "./session.ts";
import { CLOSE, errorFrame } from "./ws/protocol.ts";

/** The lines of a switchboard's visitors to partners elsewhere. */
export class RemoteLines {
  #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /**
   * Sends the line frame `theirs` to the partner of `session`, elsewhere,
   * and echoes `mine` to `session` once the backend has taken it.
   */
  say(session: Session, [mine, theirs]: readonly [string, string]): void {
    const accepted = this.#backend.deliver(session.partner!, {
      kind: "frame",
      frame: theirs,
    });
    if (!accepted) return session.peer.send(mine);
    session.unconfirmed++;
    const settle = (ok: boolean) => {
      // A chat that ended with 1011 reported its pending lines already.
      if (session.state !== "chat" || session.unconfirmed === 0) return;
      session.unconfirmed--;
      if (ok) session.peer.send(mine);
      else notDelivered(session, 1);
    };
    accepted.then(settle, () => settle(false));
  }

  /**
   * The way to the partner of `session` is lost: its pending lines are
   * reported, and it is closed with 1011.
   */
  lost(session: Session): void {
    if (session.state !== "chat") return;
    if (session.unconfirmed > 0) {
      notDelivered(session, session.unconfirmed);
      session.unconfirmed = 0;
    }
    session.peer.close(CLOSE.backend.code, CLOSE.backend.reason);
  }
}

function notDelivered(session: Session, lines: number): void {
  session.peer.send(errorFrame(
    "not_delivered",
    lines === 1
      ? "your last line was not delivered"
      : `your last ${lines} lines were not delivered`,
  ));
}
