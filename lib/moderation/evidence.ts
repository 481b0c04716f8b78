/**
 * Evidence without keeping chats: for each visitor in a chat, a ring of
 * the keyed digests ({@linkcode LineDigest}) of the chat's last
 * {@linkcode RING_SIZE} relayed lines, each with its side, in order. Never
 * the text. A report carries the reporter's own copy of those lines, and
 * {@linkcode verifyLines} marks each one verified when it matches a digest
 * of the same side, in the same order; a line made up or altered does not.
 *
 * What is digested is the line's text, as the sender's frame carried it;
 * the instance of a partner elsewhere digests the line it receives (read
 * back from the relayed frame). Each instance keeps the digests of its own
 * visitors' chats, under its own key, and verifies only their reports.
 *
 * @module
 */

import type { ReportedLine } from "./report_frame.ts";
import { LineDigest } from "./line_digest.ts";

/** How many lines a ring keeps: as many as a report may carry. */
export const RING_SIZE = 50;

/** How the relayed frame of a line begins (`messageFrames`). */
const HEAD = '{"type":"message","message":';
/** What follows the line in the partner's frame, before its `seq` and `}`. */
const TAIL = ',"from":"guest","seq":';
/** The end of the partner's frame after {@linkcode TAIL}: its `seq`. */
const SEQ_END = /^\d+\}$/;

/** Which side said a line, as the visitor whose ring it is saw it. */
export type Side = "me" | "guest";

/** The digests of a chat's lines under one key, for this process. */
export class Evidence {
  #digest: LineDigest;

  /** Digests under `key` (a fresh random one for this process). */
  constructor(key?: Uint8Array) {
    this.#digest = new LineDigest(key);
  }

  /** The digest of a line, as said or as a report spells it. */
  ofLine(message: string): number {
    return this.#digest.of(message);
  }

  /**
   * The digest of the line in `frame`, a partner's frame made by
   * `messageFrames`; `-1` for any other frame (a typing hint).
   */
  ofFrame(frame: string): number {
    if (!frame.startsWith(HEAD)) return -1;
    // The line is escaped JSON: the last TAIL is the frame's own.
    const end = frame.lastIndexOf(TAIL);
    if (end < HEAD.length || !SEQ_END.test(frame.slice(end + TAIL.length))) {
      return -1;
    }
    let message: unknown;
    try {
      message = JSON.parse(frame.slice(HEAD.length, end));
    } catch {
      return -1;
    }
    return typeof message === "string" ? this.#digest.of(message) : -1;
  }
}

/** One visitor's last lines of one chat, as digests with their side. */
export class Ring {
  /** `digest * 2 + side` (0: me, 1: guest): exact, under 2^49. */
  #entries: number[] = [];
  /** Where the next entry goes once the ring is full. */
  #next = 0;

  /** A ring of `entries` (oldest first, as {@linkcode Ring.entries} gives). */
  static from(entries: readonly number[]): Ring {
    const ring = new Ring();
    ring.#entries = entries.slice(-RING_SIZE);
    return ring;
  }

  /** Adds the line with `digest`, said by `side`. */
  push(digest: number, side: Side): void {
    const entry = digest * 2 + (side === "me" ? 0 : 1);
    if (this.#entries.length < RING_SIZE) {
      this.#entries.push(entry);
      return;
    }
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % RING_SIZE;
  }

  /** How many lines it holds. */
  get size(): number {
    return this.#entries.length;
  }

  /** Its entries, oldest first. */
  entries(): number[] {
    const e = this.#entries;
    return [...e.slice(this.#next), ...e.slice(0, this.#next)];
  }
}

/**
 * Which of `lines` (a report's, oldest first) match `entries` (a ring's,
 * oldest first): the most lines that match entries of the same side and
 * digest in the same order (a longest common subsequence), so that a line
 * made up, altered, given the other side or moved is not verified, and
 * one forged line cannot unverify the true ones around it.
 */
export function verifyLines(
  entries: readonly number[],
  lines: readonly ReportedLine[],
  evidence: Evidence,
): boolean[] {
  const wanted = lines.map((line) =>
    evidence.ofLine(line.message) * 2 + (line.from === "me" ? 0 : 1)
  );
  const n = wanted.length, m = entries.length;
  // best[i][j]: the most matches of wanted[i..] within entries[j..].
  const best = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      best[i][j] = wanted[i] === entries[j]
        ? best[i + 1][j + 1] + 1
        : Math.max(best[i + 1][j], best[i][j + 1]);
    }
  }
  const verified = new Array<boolean>(n).fill(false);
  for (let i = 0, j = 0; i < n && j < m;) {
    if (wanted[i] === entries[j] && best[i][j] === best[i + 1][j + 1] + 1) {
      verified[i++] = true;
      j++;
    } else if (best[i + 1][j] >= best[i][j + 1]) i++;
    else j++;
  }
  return verified;
}
