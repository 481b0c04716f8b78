/**
 * Reports over the wire, the switchboard's side: a `report` during a chat
 * is checked against the reporter's ring of digests (`evidence.ts`),
 * stored through {@linkcode Moderation.report} (which may ban), answered
 * with `reported`, and ends the chat (the partner gets 4000, the reporter
 * 4004). After a chat, its ring and the partner's subjects stay here for
 * {@linkcode LAST_CHAT_MS}, per reporter (its browser token's subject, and
 * its address's), so that a `report` from the page's next socket reports
 * that chat; each chat is reported once. Per instance: a visitor reports
 * through the instance it chatted on, or its page's next socket does.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { identityOf } from "../recent_partners.ts";
import type { Session } from "../session.ts";
import {
  CLOSE,
  errorFrame,
  reportedFrame,
  type ReportFrame,
} from "../ws/protocol.ts";
import { type Evidence, type Ring, verifyLines } from "./evidence.ts";
import type { Moderation } from "./moderation.ts";
import type { StoredLine } from "./store.ts";

/** How long an ended chat can still be reported, in milliseconds. */
export const LAST_CHAT_MS = 10 * 60_000;
/**
 * Most keys of ended chats kept at once (a chat is kept under one or two:
 * its reporter's token and address); past it the oldest go.
 */
export const MAX_LAST_CHATS = 40_000;

/** Address groups' subjects at most remembered before starting over. */
const MAX_ADDRESSES = 10_000;
const addresses = new Map<string, string>();

/**
 * The subject of address group `group` (`identityOf(undefined, group)`),
 * remembered: a hash costs more than the rest of a request.
 */
export function addressSubject(group: string): string {
  let subject = addresses.get(group);
  if (subject === undefined) {
    if (addresses.size >= MAX_ADDRESSES) addresses.clear();
    addresses.set(group, subject = identityOf(undefined, group));
  }
  return subject;
}

/**
 * Who a report or a ban is about, for a visitor from address group
 * `group` with browser token `token`: the subject of its address (none
 * for an unknown address) and, if it sent one, of its token. The last is
 * its identity as partners remember it (`identityOf(token, group)`).
 */
export function subjectsOf(token: string | undefined, group: string): string[] {
  const subjects = [];
  const address = addressSubject(group);
  if (address !== "") subjects.push(address);
  if (token !== undefined) subjects.push(identityOf(token, ""));
  return subjects;
}

/** An ended chat as a later report needs it. */
interface LastChat {
  ring: Ring | null;
  subjects: readonly string[];
  until: number;
  /** The keys it is kept under. */
  keys: string[];
}

/** Options for {@linkcode ReportDesk}. */
export interface ReportDeskOptions {
  moderation: Moderation;
  /** The digests' key; `null`: no evidence kept, no line verified. */
  evidence: Evidence | null;
  clock: Clock;
  /** Ends `session`'s chat now: its partner hears 4000. */
  leave(session: Session): void;
  /** How many keys of ended chats are kept. @default {MAX_LAST_CHATS} */
  maxLastChats?: number;
}

/** Takes reports from the visitors of one switchboard. */
export class ReportDesk {
  #options: ReportDeskOptions;
  #max: number;
  /** Ended chats by reporter key, in the order they ended. */
  #last = new Map<string, LastChat>();

  constructor(options: ReportDeskOptions) {
    this.#options = options;
    this.#max = options.maxLastChats ?? MAX_LAST_CHATS;
  }

  /** Ended chats kept (each under one or two keys). */
  get kept(): number {
    return new Set(this.#last.values()).size;
  }

  /**
   * `session`'s chat ended (it is leaving): keeps what a report after it
   * needs, under its identity and its address's subject.
   */
  ended(session: Session): void {
    const subjects = session.partnerSubjects;
    if (subjects.length === 0) return;
    const keys = [...new Set([session.identity, addressOf(session)])]
      .filter(Boolean);
    if (keys.length === 0) return;
    this.#keep(keys, session.ring, subjects);
  }

  /** Acts on `frame` from `session`: the chat on, else the last one. */
  report(session: Session, frame: ReportFrame): void {
    if (session.state === "chat") return this.#duringChat(session, frame);
    const keys = [identityOf(frame.token, session.group), addressOf(session)];
    const last = keys.map((key) => this.#last.get(key))
      .find((chat) => chat !== undefined && chat.until > this.#now());
    if (!last) {
      return session.peer.send(
        errorFrame("nothing_to_report", "no chat to report"),
      );
    }
    this.#forget(last);
    void this.#file(session, frame, last.ring, last.subjects).then((ok) => {
      if (!ok) this.#keep(last.keys, last.ring, last.subjects);
    });
  }

  #duringChat(session: Session, frame: ReportFrame): void {
    const { ring, partnerSubjects: subjects } = session;
    // Reported now: this chat is not kept for another report.
    session.partnerSubjects = [];
    this.#options.leave(session);
    const keys = [session.identity, addressOf(session)].filter(Boolean);
    void this.#file(session, frame, ring, subjects).then((ok) => {
      if (ok) {
        return session.peer.close(CLOSE.reported.code, CLOSE.reported.reason);
      }
      // Kept for the page's next socket to try again.
      this.#keep(keys, ring, subjects);
      session.peer.close(CLOSE.backend.code, CLOSE.backend.reason);
    });
  }

  /** Verifies and stores the report, tells the reporter; false if not stored. */
  async #file(
    session: Session,
    frame: ReportFrame,
    ring: Ring | null,
    subjects: readonly string[],
  ): Promise<boolean> {
    const { evidence, moderation } = this.#options;
    const verified = evidence && ring
      ? verifyLines(ring.entries(), frame.lines, evidence)
      : frame.lines.map(() => false);
    const lines: StoredLine[] = frame.lines.map(({ from, message }, i) => ({
      from,
      message,
      verified: verified[i],
    }));
    try {
      await moderation.report({
        reason: frame.reason,
        note: frame.note,
        lines,
        reporter: addressOf(session),
        subjects: [...subjects],
      });
    } catch {
      session.peer.send(
        errorFrame("unavailable", "the report could not be kept, try again"),
      );
      return false;
    }
    const count = verified.filter(Boolean).length;
    session.peer.send(reportedFrame(count, lines.length));
    return true;
  }

  #keep(keys: string[], ring: Ring | null, subjects: readonly string[]): void {
    const now = this.#now();
    const chat: LastChat = { ring, subjects, until: now + LAST_CHAT_MS, keys };
    for (const key of keys) {
      // Only this key moves to the new chat: two visitors behind one
      // address keep their own chats under their identities.
      const old = this.#last.get(key);
      if (old) old.keys = old.keys.filter((k) => k !== key);
      this.#last.delete(key);
      this.#last.set(key, chat);
    }
    // The oldest first: drop the expired, and the oldest past the bound.
    for (const [key, old] of this.#last) {
      if (old.until > now && this.#last.size <= this.#max) break;
      this.#last.delete(key);
    }
  }

  #forget(chat: LastChat): void {
    for (const key of chat.keys) {
      if (this.#last.get(key) === chat) this.#last.delete(key);
    }
  }

  #now(): number {
    return this.#options.clock.now();
  }
}

/** The reporter's address subject (`""` for an unknown address). */
function addressOf(session: Session): string {
  return addressSubject(session.group);
}
