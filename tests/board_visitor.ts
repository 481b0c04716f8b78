/**
 * A visitor for switchboard-level tests of the shared backends: a peer that
 * records every frame it is sent and how it was closed, and reports the
 * close to its switchboard a moment later, as a transport would.
 *
 * @module
 */

import type { Switchboard } from "../lib/pairing.ts";
import type { JoinOptions, Session } from "../lib/session.ts";
import type { RequestFrame } from "../lib/ws/protocol.ts";

/** A visitor: what it was sent and how it was closed. */
export class Visitor {
  frames: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  session: Session;

  constructor(readonly board: Switchboard, options: JoinOptions = {}) {
    this.session = board.join({
      send: (frame) => {
        this.frames.push(JSON.parse(frame));
      },
      close: (code, reason) => {
        if (this.closed) return;
        this.closed = { code, reason };
        // The transport reports the close a moment later.
        setTimeout(() => board.leave(this.session), 0);
      },
    }, options);
  }

  /** Asks for a partner, with what a request may carry (normalised). */
  request(asked: Omit<RequestFrame, "type"> = {}): void {
    this.board.handle(this.session, { type: "request", ...asked });
  }

  say(message: string): void {
    this.board.handle(this.session, { type: "message", message });
  }

  get paired(): boolean {
    return this.frames.some((f) => f.type === "response");
  }

  /** The `response` frames it was sent (one, once paired). */
  responses(): Record<string, unknown>[] {
    return this.frames.filter((f) => f.type === "response");
  }

  /** Messages received from the partner. */
  heard(): unknown[] {
    return this.frames
      .filter((f) => f.type === "message" && f.from === "guest")
      .map((f) => f.message);
  }

  errors(): unknown[] {
    return this.frames.filter((f) => f.type === "error").map((f) => f.code);
  }

  leave(): void {
    this.board.leave(this.session);
  }
}
