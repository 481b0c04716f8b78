/**
 * Who talks to whom. The {@linkcode Switchboard} pairs visitors first come,
 * first served, relays their frames and ends a chat when either side leaves.
 * It knows peers only as things that can be sent a text frame and closed, so
 * it runs (and is tested) without sockets. Who may meet whom (interests,
 * language, the pairing cap, recent partners and blocks) is the
 * {@linkcode Matchmaker}'s; what may pass at all (bans, the proof of work,
 * the early-link filter, reports and the digests they are checked
 * against) is {@linkcode ChatSafety}'s, one hook a line here; so is the
 * resume of a chat after a drop, here or elsewhere ({@linkcode Resumes}).
 *
 * The waiting queue and the delivery to a peer sit behind {@linkcode Backend}:
 * in memory by default, or in another process (Redis, Deno KV) so that a
 * visitor on one instance can be paired with a visitor on another.
 *
 * @module
 */

import {
  type Backend,
  type Delivery,
  type Match,
  settle,
} from "./backends/backend.ts";
import { MemoryBackend } from "./backends/memory.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { Matchmaker, type PairCounts } from "./matchmaker.ts";
import { ChatSafety } from "./moderation/chat_safety.ts";
import { OnlinePush } from "./online_push.ts";
import { RECENT_PARTNERS } from "./recent_partners.ts";
import { RemoteLines } from "./remote_lines.ts";
import { closeFor, leftOf, type PauseEnd, Resumes } from "./resume.ts";
import {
  type JoinOptions,
  newSession,
  type Peer,
  type Session,
} from "./session.ts";
import type {
  SwitchboardOptions,
  SwitchboardStats,
} from "./switchboard_options.ts";
import {
  BLOCKED_FRAME,
  type ClientFrame,
  type ErrorCode,
  errorFrame,
  messageFrames,
  onlineFrame,
  responseFrame,
  type ResumeFrame,
  TYPING_FRAMES,
} from "./ws/protocol.ts";

export type { SwitchboardOptions, SwitchboardStats };

/**
 * Pairs visitors and relays their frames. Every method is safe to call with
 * any session in any state: a call that makes no sense answers with an
 * `error` frame to that visitor and touches nobody else.
 */
export class Switchboard {
  readonly backend: Backend;
  readonly stats: SwitchboardStats = {
    pairsMade: 0,
    messagesRelayed: 0,
    deliveriesLost: 0,
  };
  #sessions = new Map<string, Session>();
  #nextId = 0;
  #online: OnlinePush;
  #chats = 0;
  #closingAll = false;
  #clock: Clock;
  #matchmaker: Matchmaker;
  #safety: ChatSafety;
  #resumes: Resumes;
  #remote: RemoteLines;

  constructor(options: SwitchboardOptions = {}) {
    this.backend = options.backend ?? new MemoryBackend();
    this.#remote = new RemoteLines(this.backend);
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#matchmaker = new Matchmaker({
      backend: this.backend,
      clock: this.#clock,
      maxPairingsPerMinute: options.maxPairingsPerMinute ?? 0,
      fallbackSeconds: options.matchFallback ?? 10,
      strictLanguage: options.matchStrictLanguage ?? false,
      recentPartners: options.matchRecentPartners ?? RECENT_PARTNERS,
      paired: (session, match) => this.#matched(session, match),
      giveBack: (partner) => this.#sendTo(partner, { kind: "requeue" }),
      error: (session, code, reason) => this.#error(session, code, reason),
    });
    this.#safety = new ChatSafety({
      ...options,
      clock: this.#clock,
      leave: (session) => this.leave(session),
    });
    this.#resumes = new Resumes({
      grace: options.resumeGrace,
      lines: options.resumeBufferLines,
      bytes: options.resumeBufferBytes,
      clock: this.#clock,
      deliver: (to, delivery) => this.#sendTo(to, delivery),
      end: (session, why) => this.leave(session, why),
      sessions: this.#sessions,
      chats: (change) => (this.#chats += change, this.#online.changed()),
      backend: this.backend,
    });
    this.backend.attach({
      receive: (to, delivery) => this.#receive(to, delivery),
      localCount: () => this.#sessions.size,
      lost: (to, delivery) => {
        this.stats.deliveriesLost++;
        this.#resumes.lost(to, delivery);
      },
    });
    this.#online = new OnlinePush({
      interval: options.onlineInterval ?? 1000,
      count: () => this.online,
      sessions: () => this.#sessions.values(),
      poll: this.backend.shared,
    });
  }

  /** Visitors connected to this switchboard. */
  get connected(): number {
    return this.#sessions.size;
  }

  /** Pairs made here, by how they came about (never by interest). */
  get pairs(): Readonly<PairCounts> {
    return this.#matchmaker.pairs;
  }

  /** Local visitors in a chat (each pair on this instance counts twice). */
  get chatting(): number {
    return this.#chats;
  }

  /** Visitors connected, cluster-wide where the backend knows. */
  get online(): number {
    return this.backend.online() ?? this.#sessions.size;
  }

  /** Registers a new connection from the address group `options.group`. */
  join(peer: Peer, options: JoinOptions = {}): Session {
    const id = this.backend.idPrefix + (this.#nextId++).toString(36);
    const session = newSession(id, peer, options.group ?? "");
    this.#sessions.set(session.id, session);
    this.#online.changed();
    return session;
  }

  /** Acts on one valid frame from `session`. */
  handle(session: Session, frame: ClientFrame): void {
    switch (frame.type) {
      case "request":
        if (session.state !== "fresh") {
          return this.#error(
            session,
            "already_requested",
            "request already sent",
          );
        }
        this.#resumes.requested(session, frame.resume);
        return this.#safety.request(
          session,
          frame,
          () => this.#matchmaker.request(session, frame),
        );
      case "presence":
        return this.#online.presence(session);
      case "widen":
        return this.#matchmaker.widen(session);
      case "block":
        if (!this.#matchmaker.block(session, frame.token)) {
          return this.#error(session, "nothing_to_block", "nobody to block");
        }
        return session.peer.send(BLOCKED_FRAME);
      case "message": {
        if (!this.#requirePartner(session)) return;
        // A line resent after a resume that was processed already: dropped.
        const seq = frame.seq ?? session.heard + 1;
        if (seq <= session.heard) return;
        session.heard = seq;
        if (!this.#safety.allows(session, frame.message)) return;
        this.stats.messagesRelayed++;
        const frames = messageFrames(frame.message, seq, ++session.relayed);
        return this.#say(session, frame.message, frames);
      }
      case "report":
        return this.#safety.report(session, frame);
      case "typing":
        if (!this.#requirePartner(session)) return;
        return this.#relay(
          session,
          frame.on ? TYPING_FRAMES.on : TYPING_FRAMES.off,
        );
    }
  }

  /**
   * Removes a closed connection; its partner, if any, is closed with 4000,
   * or with 4006 / 4007 when its paused chat ended `why`.
   */
  leave(session: Session, why?: PauseEnd): void {
    if (session.state === "gone") return;
    const { state, partner } = session;
    session.state = "gone";
    this.#sessions.delete(session.id);
    this.#matchmaker.leave(session, state);
    if (state === "waiting") {
      void settle(this.backend.unqueue(session.id));
    }
    if (state === "chat") {
      this.#chats--;
      this.#sendTo(partner!, leftOf(session.id, why));
      this.#safety.ended(session);
    }
    if (session.resume) this.#resumes.ended(session);
    this.#online.changed();
  }

  /**
   * The socket of `session` ended without its visitor asking (no close
   * frame, an idle timeout): a resumable chat pauses, its partner told;
   * anything else leaves at once.
   */
  drop(session: Session): void {
    if (!this.#resumes.pause(session)) this.leave(session);
  }

  /**
   * `fresh`, a new socket's session, resumes a paused chat with `frame`:
   * the session to act for from now on is returned (later, when the chat's
   * socket must be probed or the chat is elsewhere); `null`: refused.
   */
  resume(fresh: Session, frame: ResumeFrame) {
    return this.#resumes.resume(fresh, frame);
  }

  /**
   * Closes every connection with `code` (shutdown) and stops the timers.
   * With `restart`, a resumable chat is paused instead, its socket closed
   * with `restart`: its visitor resumes on another instance.
   */
  closeAll(code: number, reason: string, restart?: number): void {
    this.#online.cancel();
    const sessions = [...this.#sessions.values()];
    if (restart) this.#resumes.restart(sessions, restart);
    // Everyone here hears `code`: a local partner must not get 4000 first.
    this.#closingAll = true;
    try {
      for (const session of sessions) {
        const paused = restart && this.#resumes.isPaused(session);
        if (!paused) session.peer.close(code, reason);
      }
    } finally {
      this.#closingAll = false;
    }
  }

  /** Chats paused here, waiting for their visitors to resume. */
  get paused(): number {
    return this.#resumes.paused;
  }

  /** Stops the online timer and the cap's; call when the server stops. */
  dispose(): void {
    this.#online.dispose();
    this.#matchmaker.dispose();
    this.#resumes.dispose();
  }

  /** Visits every local session (for broadcasts and shutdown). */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  #requirePartner(session: Session): boolean {
    if (session.state === "chat") return true;
    this.#error(session, "not_paired", "no partner yet: send request first");
    return false;
  }

  #error(session: Session, code: ErrorCode, reason: string): void {
    session.peer.send(errorFrame(code, reason));
  }

  /** The matchmaker found `session` a waiting partner: both are told. */
  #matched(session: Session, match: Match): void {
    this.stats.pairsMade++;
    const common = this.#matchmaker.met(
      session,
      match.identity,
      match.interests,
    );
    this.#matchmaker.count(session, match, common);
    this.#safety.paired(session, match.subjects);
    this.#pair(session, match.partner, common);
    this.#sendTo(match.partner, {
      kind: "paired",
      partner: session.id,
      identity: session.identity,
      interests: session.prefs.interests,
      subjects: session.subjects,
    });
  }

  #pair(session: Session, partner: string, common: readonly string[]): void {
    session.state = "chat";
    session.partner = partner;
    this.#chats++;
    this.stats.onPaired?.((this.#clock.now() - session.waitingSince) / 1000);
    const token = this.#resumes.paired(session);
    session.peer.send(
      responseFrame(session.wantsCommon ? common : undefined, token),
    );
    session.peer.send(onlineFrame(this.online));
  }

  /**
   * Relays a line (`frames`: the sender's, the partner's) and echoes it to
   * its sender. A partner here hears it at once; for one elsewhere the echo
   * waits until the backend has taken the line (`remote_lines.ts`).
   */
  #say(session: Session, line: string, frames: [string, string]): void {
    const partner = this.#sessions.get(session.partner!);
    this.#safety.said(session, line, partner);
    if (!partner) return this.#remote.say(session, frames);
    if (partner.state === "chat") partner.peer.send(frames[1]);
    // Held for a partner away, the line may have ended the chat (4007).
    if (session.state === "chat") session.peer.send(frames[0]);
  }

  /** Sends `frame` to the partner of `session`, directly when it is here. */
  #relay(session: Session, frame: string): void {
    const partner = this.#sessions.get(session.partner!);
    if (!partner) {
      this.backend.deliver(session.partner!, { kind: "frame", frame });
      return;
    }
    if (partner.state === "chat") partner.peer.send(frame);
  }

  #sendTo(to: string, delivery: Delivery): void {
    const local = this.#sessions.get(to);
    if (local) this.#receive(to, delivery, local);
    else this.backend.deliver(to, delivery);
  }

  #receive(to: string, delivery: Delivery, session = this.#sessions.get(to)) {
    if (!session) {
      if (this.#resumes.forward(to, delivery)) return;
      // The addressee is gone: a fresh match must not be left hanging.
      if (delivery.kind === "paired") {
        this.#sendTo(delivery.partner, { kind: "left", partner: to });
      }
      return;
    }
    switch (delivery.kind) {
      case "frame":
        if (session.state !== "chat") return;
        session.peer.send(delivery.frame);
        return this.#safety.heard(session, delivery.frame);
      case "paired":
        if (session.state !== "waiting" && session.state !== "matching") {
          return this.#sendTo(delivery.partner, { kind: "left", partner: to });
        }
        this.#safety.paired(session, delivery.subjects);
        return this.#pair(
          session,
          delivery.partner,
          this.#matchmaker.met(
            session,
            delivery.identity ?? "",
            delivery.interests ?? [],
          ),
        );
      case "left":
        // A paused chat hears it: its visitor may resume elsewhere.
        if (this.#closingAll && !this.#resumes.isPaused(session)) return;
        if (session.state === "chat" && session.partner === delivery.partner) {
          const { code, reason } = closeFor(delivery.why);
          session.peer.close(code, reason);
        }
        return;
      case "requeue":
        // Not the visitor's doing: it keeps its place in the cap's count.
        if (session.state === "waiting") this.#matchmaker.requeue(session);
        return;
      case "lost":
        return this.#remote.lost(session);
      default:
        return this.#resumes.receive(session, delivery);
    }
  }
}
