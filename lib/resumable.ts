/**
 * One resumable visitor's side of a chat (`resume.ts`): the peer its
 * frames pass through, which keeps its partner's last lines for a new
 * socket, and holds what the partner sends while the socket is gone.
 *
 * It also puts its partner's lines in the order of their `seq`: after a
 * chat moved to another instance (`handover.ts`), a line forwarded by the
 * instance it left and a later one sent straight to it may arrive swapped.
 * A line ahead of a missing one waits for it, {@linkcode PARK_MS} at most;
 * a line that came already is dropped.
 *
 * @module
 */

import type { HandedChat } from "./backends/backend.ts";
import type { Resumes } from "./resume.ts";
import type { Peer, Session } from "./session.ts";
import {
  PARTNER_AWAY_FRAME,
  PARTNER_BACK_FRAME,
  resumedFrame,
} from "./ws/protocol.ts";

/** How long a partner's line waits for the one before it. */
export const PARK_MS = 2000;
const LINE_HEAD = '{"type":"message"';
/** What precedes the number of a partner's line (`messageFrames`). */
const GUEST_TAIL = '"guest","seq"';

/** What a {@linkcode Resumable} hands to the instance its chat moves to. */
export type HeldLines = Pick<HandedChat, "frames" | "seqs" | "last" | "status">;

/**
 * One resumable visitor's side of a chat, and its peer while the chat is
 * on: it passes frames to the socket (`inner`) and keeps the partner's
 * last lines; while the socket is gone it keeps what the partner sends.
 */
export class Resumable implements Peer {
  readonly session: Session;
  /** The token of its `response` (`""`: not paired yet). */
  token = "";
  /** Its socket; `null` while away. */
  inner: Peer | null = null;
  /** The grace timer while away, or a chat ended while away. */
  timer: unknown = undefined;
  /** The chat is over: nothing more is held or resumed. */
  ended = false;
  /** A resume is asking whether its socket is still there. */
  probing = false;
  #owner: Resumes;
  // The partner's line frames (as built for it, not copied) and their seq,
  // oldest first from #head.
  #frames: string[] = [];
  #seqs: number[] = [];
  #head = 0;
  #size = 0;
  /** The seq of the partner's last line passed on. */
  #last = 0;
  #awayLines = 0;
  #awaySize = 0;
  /** The last partner_away / partner_back sent while away. */
  #status = "";
  /** Lines that came ahead of a missing one, by seq. */
  #parked: Map<number, string> | null = null;
  #parkTimer: unknown = undefined;

  constructor(owner: Resumes, session: Session) {
    this.#owner = owner;
    this.session = session;
  }

  send(frame: string): void {
    const seq = lineSeq(frame);
    if (seq > 0) {
      if (seq <= this.#last) return;
      if (seq > this.#last + 1) return this.#park(seq, frame);
      this.#last = seq;
    }
    this.#pass(frame, seq);
    if (this.#parked !== null) this.#unpark(false);
  }

  close(code: number, reason: string): void {
    // Paused, it has nobody to close: its chat ends (its partner left, the
    // server stops), and a resume hears so.
    if (this.inner !== null) this.inner.close(code, reason);
    else this.#owner.end(this);
  }

  /** Its socket dropped: what the partner sends now counts to the bound. */
  away(): void {
    this.inner = null;
    this.#awayLines = 0;
    this.#awaySize = 0;
    this.#status = "";
  }

  /**
   * Whether every line after `seen` is still held (or was never sent).
   */
  holds(seen: number): boolean {
    const first = this.#head < this.#frames.length
      ? this.#seqs[this.#head]
      : this.#last + 1;
    return seen >= first - 1;
  }

  /** Goes on on `peer`: `resumed`, the lines after `seen`, the last status. */
  back(peer: Peer, seen: number): void {
    this.inner = peer;
    peer.send(resumedFrame(this.session.heard));
    for (let i = this.#head; i < this.#frames.length; i++) {
      if (this.#seqs[i] > seen) peer.send(this.#frames[i]);
    }
    if (this.#status !== "") peer.send(this.#status);
    this.#status = "";
    this.#trim();
  }

  /**
   * What a visitor who has its partner's lines up to `seen` misses, for
   * the instance its chat moves to: the held lines after `seen` (those
   * parked too), the last line's `seq`, the last status.
   */
  held(seen: number): HeldLines {
    if (this.#parked !== null) this.#unpark(true);
    const frames: string[] = [];
    const seqs: number[] = [];
    for (let i = this.#head; i < this.#frames.length; i++) {
      if (this.#seqs[i] <= seen) continue;
      frames.push(this.#frames[i]);
      seqs.push(this.#seqs[i]);
    }
    return { frames, seqs, last: this.#last, status: this.#status };
  }

  /** Takes over `lines` that another instance held (see {@linkcode held}). */
  adopt(lines: HeldLines): void {
    this.#frames = [...lines.frames];
    this.#seqs = [...lines.seqs];
    this.#head = 0;
    this.#size = this.#frames.reduce((n, frame) => n + frame.length, 0);
    this.#last = lines.last;
    this.#status = lines.status;
  }

  /** Lets the held lines go. */
  free(): void {
    this.#frames = [];
    this.#seqs = [];
    this.#head = 0;
    this.#size = 0;
    this.#parked = null;
    this.#owner.clock.clearTimeout(this.#parkTimer);
  }

  /** Passes `frame` (a line if `seq` > 0) to the socket, or holds it. */
  #pass(frame: string, seq: number): void {
    const inner = this.inner;
    if (seq > 0) this.#hold(frame, seq, inner === null);
    if (inner !== null) inner.send(frame);
    else if (frame === PARTNER_AWAY_FRAME || frame === PARTNER_BACK_FRAME) {
      this.#status = frame;
    }
  }

  #park(seq: number, frame: string): void {
    if (this.#parked === null) {
      this.#parked = new Map();
      this.#parkTimer = this.#owner.clock.setTimeout(
        () => this.#unpark(true),
        PARK_MS,
      );
    }
    this.#parked.set(seq, frame);
  }

  /**
   * Passes on the parked lines that follow the last one; `all`: every
   * parked line, in order, over any gap (the missing line is not coming).
   */
  #unpark(all: boolean): void {
    const parked = this.#parked!;
    const seqs = [...parked.keys()].sort((a, b) => a - b);
    for (const seq of seqs) {
      if (!all && seq !== this.#last + 1) break;
      const frame = parked.get(seq)!;
      parked.delete(seq);
      if (seq <= this.#last) continue;
      this.#last = seq;
      this.#pass(frame, seq);
    }
    if (parked.size > 0) return;
    this.#parked = null;
    this.#owner.clock.clearTimeout(this.#parkTimer);
    this.#parkTimer = undefined;
  }

  #hold(frame: string, seq: number, away: boolean): void {
    if (this.ended) return;
    this.#frames.push(frame);
    this.#seqs.push(seq);
    this.#size += frame.length;
    if (!away) return this.#trim();
    this.#awaySize += frame.length;
    const owner = this.#owner;
    if (++this.#awayLines > owner.lines || this.#awaySize > owner.bytes) {
      owner.end(this, "overflow");
    }
  }

  /** Keeps the last lines within the bounds, as while connected. */
  #trim(): void {
    const { lines, bytes } = this.#owner;
    const frames = this.#frames;
    while (
      this.#head < frames.length &&
      (frames.length - this.#head > lines || this.#size > bytes)
    ) {
      this.#size -= frames[this.#head].length;
      frames[this.#head++] = "";
    }
    if (this.#head > 32 && this.#head * 2 > frames.length) {
      frames.splice(0, this.#head);
      this.#seqs.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The `seq` of a partner's line frame (`messageFrames`'s `guest`), or 0
 * for any other frame: the line's own text is escaped JSON, so the last
 * `:` is the one before its number.
 */
export function lineSeq(frame: string): number {
  if (!frame.startsWith(LINE_HEAD)) return 0;
  const colon = frame.lastIndexOf(":");
  if (!frame.startsWith(GUEST_TAIL, colon - GUEST_TAIL.length)) return 0;
  return +frame.slice(colon + 1, -1) || 0;
}
