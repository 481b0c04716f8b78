/**
 * Who talks to whom. The {@linkcode Switchboard} pairs visitors first come,
 * first served, relays their frames and ends a chat when either side leaves.
 * It knows peers only as things that can be sent a text frame and closed, so
 * it runs (and is tested) without sockets. Who may meet whom (interests,
 * language, the pairing cap, recent partners and blocks) is the
 * {@linkcode Matchmaker}'s; what may pass at all (bans, the proof of work,
 * the early-link filter, reports and the digests they are checked
 * against) is {@linkcode ChatSafety}'s, one hook a line here.
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
  CLOSE,
  type ErrorCode,
  errorFrame,
  messageFrames,
  onlineFrame,
  RESPONSE_FRAME,
  responseFrame,
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

  constructor(options: SwitchboardOptions = {}) {
    this.backend = options.backend ?? new MemoryBackend();
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
    this.backend.attach({
      receive: (to, delivery) => this.#receive(to, delivery),
      localCount: () => this.#sessions.size,
      lost: () => {
        this.stats.deliveriesLost++;
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
        return this.#safety.request(
          session,
          frame,
          () => this.#matchmaker.request(session, frame),
        );
      case "presence":
        return this.#presence(session);
      case "widen":
        return this.#matchmaker.widen(session);
      case "block":
        if (!this.#matchmaker.block(session, frame.token)) {
          return this.#error(session, "nothing_to_block", "nobody to block");
        }
        return session.peer.send(BLOCKED_FRAME);
      case "message": {
        if (!this.#requirePartner(session)) return;
        if (!this.#safety.allows(session, frame.message)) return;
        this.stats.messagesRelayed++;
        const [mine, theirs] = messageFrames(frame.message);
        return this.#say(session, frame.message, mine, theirs);
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

  /** Removes a closed connection; its partner, if any, is closed with 4000. */
  leave(session: Session): void {
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
      this.#sendTo(partner!, { kind: "left", partner: session.id });
      this.#safety.ended(session);
    }
    this.#online.changed();
  }

  /** Closes every connection with `code` (shutdown) and stops the timers. */
  closeAll(code: number, reason: string): void {
    this.#online.cancel();
    const sessions = [...this.#sessions.values()];
    // Everyone here hears `code`: a local partner must not get 4000 first.
    this.#closingAll = true;
    try {
      for (const session of sessions) session.peer.close(code, reason);
    } finally {
      this.#closingAll = false;
    }
  }

  /** Stops the online timer and the cap's; call when the server stops. */
  dispose(): void {
    this.#online.dispose();
    this.#matchmaker.dispose();
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

  /**
   * A page open on its first screen: counted and pushed the count like any
   * session not in a chat, told it now (a join a leave cancelled out is
   * never pushed). Once, before `request`; the connection drops its timeout.
   */
  #presence(session: Session): void {
    if (session.present || session.waitingSince !== 0) {
      const what = session.present ? "presence" : "request";
      return this.#error(session, "already_present", `${what} already sent`);
    }
    session.present = true;
    session.peer.send(onlineFrame(this.online));
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
    session.peer.send(
      session.wantsCommon ? responseFrame(common) : RESPONSE_FRAME,
    );
    session.peer.send(onlineFrame(this.online));
  }

  /**
   * Echoes a line to its sender (`mine`) and relays it (`theirs`). A partner
   * here hears it at once; for one elsewhere the echo waits until the
   * backend has taken the line, and a line it refuses is reported as not
   * delivered instead of echoed.
   */
  #say(session: Session, line: string, mine: string, theirs: string): void {
    const partner = this.#sessions.get(session.partner!);
    this.#safety.said(session, line, partner);
    if (partner) {
      session.peer.send(mine);
      if (partner.state === "chat") partner.peer.send(theirs);
      return;
    }
    const accepted = this.backend.deliver(session.partner!, {
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
      else this.#notDelivered(session, 1);
    };
    accepted.then(settle, () => settle(false));
  }

  #notDelivered(session: Session, lines: number): void {
    this.#error(
      session,
      "not_delivered",
      lines === 1
        ? "your last line was not delivered"
        : `your last ${lines} lines were not delivered`,
    );
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
        if (this.#closingAll) return;
        if (session.state === "chat" && session.partner === delivery.partner) {
          session.peer.close(CLOSE.partnerLeft.code, CLOSE.partnerLeft.reason);
        }
        return;
      case "requeue":
        // Not the visitor's doing: it keeps its place in the cap's count.
        if (session.state === "waiting") this.#matchmaker.requeue(session);
        return;
      case "lost":
        if (session.state === "chat") {
          if (session.unconfirmed > 0) {
            this.#notDelivered(session, session.unconfirmed);
            session.unconfirmed = 0;
          }
          session.peer.close(CLOSE.backend.code, CLOSE.backend.reason);
        }
        return;
    }
  }
}
