/**
 * A chat resumed on another instance than the one its visitor dropped
 * from (issue 16, shared backends only). The instance the new socket
 * reached (B) does not know the token: it asks every instance with a
 * `resume` delivery. The one that holds the chat (A) checks it as for a
 * resume of its own (`Resumes.handOff`) and either answers `refused`, or
 * lets go of the session and sends B the chat's state (`handover`), then
 * tells the partner where its partner is now (`moved`). For as long as the
 * grace, A forwards to B what still comes for the old session (lines the
 * partner sent before it heard `moved`); B puts the lines back in order
 * by their `seq` (`resumable.ts`).
 *
 * The token stays the chat's: a visitor that drops again resumes from
 * wherever it lands, and a rolling restart (`server.ts`) moves each chat
 * as often as needed.
 *
 * @module
 */

import {
  type Backend,
  type Delivery,
  EVERYWHERE,
  type HandedChat,
} from "./backends/backend.ts";
import type { Clock } from "./clock.ts";
import { Ring } from "./moderation/evidence.ts";
import type { Resumable, Resumes } from "./resume.ts";
import type { Session } from "./session.ts";
import {
  CLOSE,
  errorFrame,
  PARTNER_BACK_FRAME,
  type ResumeFrame,
} from "./ws/protocol.ts";

/** How long a resume waits for the instance that holds its chat. */
export const ANSWER_MS = 5000;

/** Options for {@linkcode Handovers}. */
export interface HandoverOptions {
  backend: Backend;
  resumes: Resumes;
  clock: Clock;
  /** The local sessions, by id: one whose chat went elsewhere leaves it. */
  sessions: Map<string, Session>;
  /** Hands `delivery` to the peer `to`, here or elsewhere. */
  deliver(to: string, delivery: Delivery): void;
  /** The local chats are `change` more (or fewer) than before. */
  chats(change: number): void;
}

/** A resume sent out, waiting for its answer. */
interface Asked {
  fresh: Session;
  timer: unknown;
  done(session: Session | null): void;
}

/** The chats that move between this instance and the others. */
export class Handovers {
  #options: HandoverOptions;
  /** Fresh sessions here whose resume was sent out, by id. */
  #asked = new Map<string, Asked>();
  /** Sessions handed over → where they went, for as long as the grace. */
  #forwards = new Map<string, string>();
  #timers = new Set<unknown>();

  constructor(options: HandoverOptions) {
    this.#options = options;
  }

  /**
   * `fresh` resumes with `frame` a chat not held here: every instance is
   * asked, and the one that holds it answers.
   */
  ask(fresh: Session, frame: ResumeFrame): Promise<Session | null> {
    const { promise, resolve } = Promise.withResolvers<Session | null>();
    fresh.state = "checking";
    const timer = this.#options.clock.setTimeout(
      () => this.#refused(fresh.id, "unknown or expired token"),
      ANSWER_MS,
    );
    this.#asked.set(fresh.id, { fresh, timer, done: resolve });
    const { token, seen } = frame;
    this.#options.backend.deliver(EVERYWHERE, {
      kind: "resume",
      token,
      seen,
      fresh: fresh.id,
    });
    return promise;
  }

  /**
   * Where a delivery to `to`, no longer here, goes now: `true` when it was
   * sent on (`to` was handed over), or was a resume asked of everyone.
   */
  forward(to: string, delivery: Delivery): boolean {
    if (to === EVERYWHERE) {
      if (delivery.kind === "resume") this.#answer(delivery);
      return true;
    }
    const now = this.#forwards.get(to);
    if (now === undefined) {
      if (delivery.kind === "handover") this.#orphan(to, delivery.chat);
      return false;
    }
    this.#options.deliver(now, delivery);
    return true;
  }

  /** Acts on a delivery of a resume elsewhere to the local `session`. */
  receive(session: Session, delivery: Delivery): void {
    switch (delivery.kind) {
      case "handover":
        return this.#adopt(session, delivery.chat);
      case "refused":
        return this.#refused(session.id, delivery.reason);
      case "moved":
        if (session.partner === delivery.partner) {
          session.partner = delivery.now;
        }
        return;
    }
  }

  /**
   * `delivery` to `to` will never arrive: a chat handed over that way is
   * lost (it was let go of here), and its partner is told so, under its
   * old id and its new one (`moved` may have come first).
   */
  lost(to: string, delivery: Delivery): void {
    if (delivery.kind !== "handover") return;
    this.#forwards.delete(delivery.from);
    for (const partner of [delivery.from, to]) {
      this.#options.deliver(delivery.chat.partner, {
        kind: "left",
        partner,
        why: "timeout",
      });
    }
  }

  /** Stops the timers (the server stops). */
  dispose(): void {
    const { clock } = this.#options;
    for (const timer of this.#timers) clock.clearTimeout(timer);
    this.#timers.clear();
    this.#forwards.clear();
    for (const asked of this.#asked.values()) clock.clearTimeout(asked.timer);
    this.#asked.clear();
  }

  /** A resume asked of everyone: hands the chat over if it is held here. */
  #answer(asked: Extract<Delivery, { kind: "resume" }>): void {
    this.#options.resumes.handOff(asked, (found) => {
      if (found === null) return;
      if ("refusal" in found) {
        const { refusal: reason } = found;
        this.#options.backend.deliver(asked.fresh, { kind: "refused", reason });
      } else this.#hand(asked, found.chat);
    });
  }

  /** Hands `held`, the chat `asked` for, to the instance that asked. */
  #hand(
    asked: Extract<Delivery, { kind: "resume" }>,
    held: Resumable,
  ): void {
    const { backend } = this.#options;
    const { session } = held;
    const chat: HandedChat = {
      ...held.held(asked.seen),
      partner: session.partner!,
      token: held.token,
      seen: asked.seen,
      heard: session.heard,
      relayed: session.relayed,
      identity: session.identity,
      partnerIdentity: session.partnerIdentity,
      subjects: session.subjects,
      partnerSubjects: session.partnerSubjects,
      shadow: session.shadow,
      chatSince: session.chatSince,
      said: session.said,
      ring: session.ring?.entries() ?? [],
    };
    held.free();
    // It leaves, telling nobody: its partner hears `moved` instead.
    session.state = "gone";
    this.#options.sessions.delete(session.id);
    this.#options.chats(-1);
    this.#forward(session.id, asked.fresh);
    backend.deliver(asked.fresh, { kind: "handover", from: session.id, chat });
    // Through the backend even to a partner here: its books learn of it.
    backend.deliver(chat.partner, {
      kind: "moved",
      partner: session.id,
      now: asked.fresh,
    });
  }

  /** What comes for `from` goes to `to` for the grace. */
  #forward(from: string, to: string): void {
    const { clock, resumes } = this.#options;
    this.#forwards.set(from, to);
    const timer = clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#forwards.delete(from);
    }, Math.max(resumes.grace, 10) * 1000);
    this.#timers.add(timer);
  }

  /** The chat `handed` goes on here, in `fresh`, on its socket. */
  #adopt(fresh: Session, handed: HandedChat): void {
    const asked = this.#asked.get(fresh.id);
    if (!asked || fresh.state !== "checking") {
      return this.#orphan(fresh.id, handed);
    }
    this.#asked.delete(fresh.id);
    this.#options.clock.clearTimeout(asked.timer);
    Object.assign(fresh, {
      state: "chat",
      partner: handed.partner,
      heard: handed.heard,
      relayed: handed.relayed,
      identity: handed.identity,
      partnerIdentity: handed.partnerIdentity,
      subjects: handed.subjects,
      partnerSubjects: handed.partnerSubjects,
      shadow: handed.shadow,
      chatSince: handed.chatSince,
      said: handed.said,
      ring: handed.ring.length > 0 ? Ring.from(handed.ring) : null,
    });
    this.#options.chats(1);
    const chat = this.#options.resumes.adopt(fresh, handed.token, handed);
    chat.back(chat.inner!, handed.seen);
    this.#options.deliver(handed.partner, {
      kind: "frame",
      frame: PARTNER_BACK_FRAME,
    });
    asked.done(fresh);
  }

  /**
   * A chat was handed to a session that no longer waits for it (its socket
   * closed, or its resume timed out): nobody can take it now, and its
   * partner is told so.
   */
  #orphan(to: string, chat: HandedChat): void {
    this.#options.deliver(chat.partner, {
      kind: "left",
      partner: to,
      why: "timeout",
    });
  }

  /** The resume of fresh session `id` is refused for `reason`. */
  #refused(id: string, reason: string): void {
    const asked = this.#asked.get(id);
    if (!asked) return;
    this.#asked.delete(id);
    this.#options.clock.clearTimeout(asked.timer);
    const { fresh } = asked;
    if (fresh.state === "checking") {
      fresh.state = "fresh";
      fresh.peer.send(errorFrame("resume_failed", reason));
      fresh.peer.close(CLOSE.resumeFailed.code, CLOSE.resumeFailed.reason);
    }
    asked.done(null);
  }
}
