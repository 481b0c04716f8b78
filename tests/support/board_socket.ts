/**
 * A socket as the connection drives the switchboard, for the switchboard's
 * unit tests (`lib/resume_test.ts`, `lib/handover_test.ts`): it records
 * what it is sent, closes (leaving), drops (no close frame), or resumes
 * with its first frame; a closed one hears nothing more. It cannot be
 * probed, so a resume of its chat while it is open is refused at once.
 *
 * @module
 */

import type { Switchboard } from "../../lib/pairing.ts";
import type { Peer, Session } from "../../lib/session.ts";

/** A frame as the visitor would parse it. */
export type Frame = Record<string, unknown>;

/** One visitor's socket on `board`. */
export class BoardSocket implements Peer {
  frames: Frame[] = [];
  closedWith: number | null = null;
  session: Session;
  #board: Switchboard;

  constructor(board: Switchboard) {
    this.#board = board;
    this.session = board.join(this);
  }

  send(frame: string) {
    if (this.closedWith === null) this.frames.push(JSON.parse(frame));
  }

  close(code: number) {
    if (this.closedWith !== null) return;
    this.closedWith = code;
    this.#board.leave(this.session);
  }

  /** Closed with `code` without its session hearing of it. */
  abandon(code = 4008) {
    this.closedWith = code;
  }

  /** Its TCP connection ends without a close frame. */
  drop() {
    this.closedWith = 1006;
    this.#board.drop(this.session);
  }

  say(message: string, seq?: number) {
    this.#board.handle(this.session, { type: "message", message, seq });
  }

  /** Resumes a chat here; the session it now acts for, or `null`. */
  resume(token: unknown, seen: number): Session | null {
    const session = this.#board.resume(this.session, {
      type: "resume",
      token: token as string,
      seen,
    }) as Session | null; // Held here, and it cannot be probed: at once.
    if (session) this.session = session;
    return session;
  }

  /** What it was sent but `online` counts, as `type` or `type:detail`. */
  heard(): string[] {
    return this.frames.filter((f) => f.type !== "online").map((f) =>
      f.type === "message"
        ? `${f.from}:${f.message}:${f.seq}`
        : f.type === "error"
        ? `error:${f.code}:${f.reason}`
        : String(f.type)
    );
  }

  /** The types of what it was sent, but `online`. */
  types(): string[] {
    return this.frames.map((f) => f.type as string)
      .filter((t) => t !== "online");
  }

  /** The `seq` of each partner line it was sent. */
  lines(): unknown[] {
    return this.frames.filter((f) => f.from === "guest").map((f) => f.seq);
  }

  /** Its `response`'s resume token. */
  token(): string {
    return this.frames.find((f) => f.type === "response")!.resume as string;
  }

  forget() {
    this.frames = [];
  }
}
