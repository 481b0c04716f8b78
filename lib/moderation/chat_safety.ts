/**
 * The switchboard's safety hooks, in one place so that pairing stays about
 * pairing: the gate every `request` passes (visible bans close with 4003,
 * shadow bans pair in their own pool, the proof of work asks for a
 * solution), the early-link filter on a chat's first lines, the digests
 * of relayed lines, reports, and the proof of work's count of short chats.
 * Each part is off when its option is absent: a bare switchboard pairs and
 * relays as it always did, and answers a `report` with `unavailable`.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Session } from "../session.ts";
import {
  errorFrame,
  type ReportFrame,
  type RequestFrame,
} from "../ws/protocol.ts";
import type { EarlyFilter } from "./early_filter.ts";
import { Evidence, Ring } from "./evidence.ts";
import type { Moderation } from "./moderation.ts";
import type { ProofOfWork } from "./pow.ts";
import { ReportDesk, subjectsOf } from "./reports.ts";
import { type GateVerdict, RequestGate } from "./request_gate.ts";

/** Options for {@linkcode ChatSafety}. */
export interface ChatSafetyOptions {
  /** Reports and bans; absent: no report is taken, nobody is banned. */
  moderation?: Moderation;
  /** The proof of work; absent: never asked. */
  pow?: ProofOfWork;
  /**
   * Keep the digests of each chat's last lines, to verify reports (only
   * with a moderation: without it nothing is reported). @default {true}
   */
  evidence?: boolean;
  /** What a chat's first lines may not say; absent: anything. */
  earlyFilter?: EarlyFilter;
  clock: Clock;
  /** Ends `session`'s chat now, as if it left. */
  leave(session: Session): void;
}

/** The safety rules the switchboard applies, each hook a line there. */
export class ChatSafety {
  #gate: RequestGate | null;
  #pow: ProofOfWork | undefined;
  #filter: EarlyFilter | null;
  #evidence: Evidence | null;
  #reports: ReportDesk | null;
  #clock: Clock;

  constructor(options: ChatSafetyOptions) {
    const { moderation, pow, clock } = options;
    this.#clock = clock;
    this.#pow = pow;
    this.#gate = moderation || pow
      ? new RequestGate({ moderation, pow })
      : null;
    this.#filter = options.earlyFilter?.active ? options.earlyFilter : null;
    this.#evidence = moderation && options.evidence !== false
      ? new Evidence()
      : null;
    this.#reports = moderation
      ? new ReportDesk({
        moderation,
        evidence: this.#evidence,
        clock,
        leave: options.leave,
      })
      : null;
  }

  /** Ended chats kept for a report after them. */
  get lastChats(): number {
    return this.#reports?.kept ?? 0;
  }

  /**
   * `session` (fresh) asks for a partner with `frame`: sets who it is,
   * then lets it `enter` matching, closes it (a visible ban) or answers
   * with a challenge and leaves it fresh. While the gate works the
   * session is `checking`.
   */
  request(session: Session, frame: RequestFrame, enter: () => void): void {
    const subjects = subjectsOf(frame.token, session.group);
    session.subjects = subjects;
    session.identity = subjects.at(-1) ?? "";
    const gate = this.#gate;
    if (gate === null) return enter();
    let verdict: GateVerdict | Promise<GateVerdict>;
    try {
      verdict = gate.check(session.group, subjects, frame.pow);
    } catch {
      return unavailable(session);
    }
    if (!(verdict instanceof Promise)) return admit(session, verdict, enter);
    session.state = "checking";
    verdict.then(
      (v) => session.state === "checking" && admit(session, v, enter),
      () => session.state === "checking" && unavailable(session),
    );
  }

  /** `session`'s chat with a partner who is `subjects` begins. */
  paired(session: Session, subjects: readonly string[] | undefined): void {
    session.partnerSubjects = subjects ?? [];
    session.chatSince = this.#clock.now();
    session.said = 0;
    session.ring = null;
  }

  /**
   * Whether the line `message` that `session` sends may go: a line the
   * early filter holds back is answered with `filtered`, and not relayed.
   */
  allows(session: Session, message: string): boolean {
    const filter = this.#filter;
    if (filter === null) return true;
    const elapsed = this.#clock.now() - session.chatSince;
    const held = filter.check(message, ++session.said, elapsed);
    if (held === null) return true;
    session.peer.send(errorFrame("filtered", filter.reason(held)));
    return false;
  }

  /**
   * `session` said `message` to `partner`, when that one is here and in
   * the chat: one digest for both rings.
   */
  said(session: Session, message: string, partner: Session | undefined) {
    const evidence = this.#evidence;
    if (evidence === null) return;
    const digest = evidence.ofLine(message);
    (session.ring ??= new Ring()).push(digest, "me");
    if (partner?.state === "chat") {
      (partner.ring ??= new Ring()).push(digest, "guest");
    }
  }

  /** `session` heard `frame` from a partner on another instance. */
  heard(session: Session, frame: string): void {
    const evidence = this.#evidence;
    if (evidence === null) return;
    const digest = evidence.ofFrame(frame);
    if (digest >= 0) (session.ring ??= new Ring()).push(digest, "guest");
  }

  /** `session`, a local visitor, leaves its chat. */
  ended(session: Session): void {
    const seconds = (this.#clock.now() - session.chatSince) / 1000;
    this.#pow?.chatEnded(session.group, seconds);
    this.#reports?.ended(session);
  }

  /** `session` reports its chat, or its last one. */
  report(session: Session, frame: ReportFrame): void {
    if (this.#reports) return this.#reports.report(session, frame);
    session.peer.send(
      errorFrame("unavailable", "reports are not taken on this server"),
    );
  }
}

/** Acts on the gate's `verdict` for the fresh `session`. */
function admit(session: Session, verdict: GateVerdict, enter: () => void) {
  session.state = "fresh";
  switch (verdict.kind) {
    case "pass":
      session.shadow = verdict.shadow;
      return enter();
    case "close":
      return session.peer.close(verdict.code, verdict.reason);
    case "error":
      return session.peer.send(
        errorFrame(verdict.code, verdict.reason, {
          challenge: verdict.challenge,
        }),
      );
  }
}

function unavailable(session: Session): void {
  session.state = "fresh";
  session.peer.send(
    errorFrame("unavailable", "pairing is unavailable, try again"),
  );
}
