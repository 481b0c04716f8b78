/**
 * A chat that survives a network blip (issue 16). A visitor whose request
 * said `resume: true` gets a token with its `response`; from then on its
 * frames pass through its {@linkcode Resumable}, which keeps the partner's
 * last lines. When its socket drops without a close frame the chat pauses:
 * the partner hears `partner_away`, the lines it sends meanwhile are held
 * (bounded), and a new socket that sends `resume` with the token within
 * the grace takes the chat over: `resumed`, the lines it missed, once and in
 * order, and `partner_back` for the partner. Past the grace the partner is
 * closed with 4006, past the bound with 4007.
 *
 * Only the switchboard that holds a chat knows its token. With a shared
 * backend, a resume that reaches another instance is asked of every
 * instance, and the one that holds the chat hands it over (`handover.ts`);
 * in memory it is refused.
 *
 * @module
 */

import type { Backend, Delivery } from "./backends/backend.ts";
import { Handovers } from "./handover.ts";
import type { Clock } from "./clock.ts";
import { type HeldLines, Resumable } from "./resumable.ts";
import { newToken, sameToken } from "./resume_token.ts";
import type { Session } from "./session.ts";
import {
  CLOSE,
  errorFrame,
  PARTNER_AWAY_FRAME,
  PARTNER_BACK_FRAME,
  type ResumeFrame,
  type ResumeOffer,
} from "./ws/protocol.ts";

export { lineSeq, Resumable } from "./resumable.ts";

/** Why a paused chat ended without its visitor: grace or bound ran out. */
export type PauseEnd = "timeout" | "overflow";

/** The close a partner hears when its chat ends `why` (absent: it left). */
export function closeFor(
  why: PauseEnd | undefined,
): { code: number; reason: string } {
  if (why === "timeout") return CLOSE.partnerTimeout;
  if (why === "overflow") return CLOSE.partnerOverflow;
  return CLOSE.partnerLeft;
}

/** The `left` delivery of `partner`'s leaving, with `why` when it has one. */
export function leftOf(partner: string, why: PauseEnd | undefined): Delivery {
  return why ? { kind: "left", partner, why } : { kind: "left", partner };
}

/** Options for {@linkcode Resumes}. */
export interface ResumeOptions {
  /** Seconds a dropped visitor's chat waits for it; 0: resume is off. @default {30} */
  grace?: number;
  /** Lines held for a visitor, and sent to it while away. @default {50} */
  lines?: number;
  /**
   * Size of the frames held for a visitor, and sent to it while away,
   * counted in string length (UTF-16 code units). @default {65536}
   */
  bytes?: number;
  clock: Clock;
  /** Hands `delivery` to the peer `to`, here or elsewhere. */
  deliver(to: string, delivery: Delivery): void;
  /** Ends `session`'s chat as if it left; its partner hears `why`. */
  end(session: Session, why?: PauseEnd): void;
  /**
   * The local sessions, by id: a socket's that resumed another, or one
   * whose chat went to another instance, leaves it, telling nobody.
   */
  sessions: Map<string, Session>;
  /** The local chats are `change` more (or fewer) than before. */
  chats(change: number): void;
  /**
   * Where the switchboard's queue lives: when shared, a resume not known
   * here is asked of the other instances (`handover.ts`), else refused.
   */
  backend: Backend;
}

/** What {@linkcode Resumes.handOff} answers: the chat, or why not. */
export type HandOff = { chat: Resumable } | { refusal: string };

/** How long a socket that still looks open has to answer a ping. */
const PROBE_MS = 2000;
/** Characters of a token that find its chat (then all of it is compared). */
const KEY_LENGTH = 12;

/** The resumable chats of one switchboard, found by their tokens. */
export class Resumes {
  readonly grace: number;
  readonly lines: number;
  readonly bytes: number;
  readonly clock: Clock;
  #options: ResumeOptions;
  #chats = new Map<string, Resumable>();
  #handovers: Handovers | null = null;

  constructor(options: ResumeOptions) {
    this.#options = options;
    this.clock = options.clock;
    this.grace = options.grace ?? 30;
    this.lines = options.lines ?? 50;
    this.bytes = options.bytes ?? 65536;
    if (!options.backend.shared) return;
    this.#handovers = new Handovers({ ...options, resumes: this });
  }

  /** `session` asks for a partner, resumable when it `wants` (and resume is on). */
  requested(session: Session, wants: boolean | undefined): void {
    session.resume = wants === true && this.grace > 0
      ? new Resumable(this, session)
      : null;
  }

  /**
   * `session`'s chat begins: its frames pass through its `Resumable` from
   * now on, and its token is returned for the `response` (`undefined`:
   * it is not resumable).
   */
  paired(session: Session): ResumeOffer | undefined {
    const chat = session.resume;
    if (chat === null) return undefined;
    chat.inner = session.peer;
    session.peer = chat;
    chat.token = newToken();
    this.#chats.set(chat.token.slice(0, KEY_LENGTH), chat);
    return { token: chat.token, grace: this.grace };
  }

  /**
   * `session`'s socket ended without its visitor asking: a resumable chat
   * pauses (its partner told) and `true` is returned; else `false`.
   */
  pause(session: Session): boolean {
    const chat = session.resume;
    if (chat === null || session.state !== "chat" || chat.inner === null) {
      return false;
    }
    chat.away();
    chat.timer = this.#options.clock.setTimeout(
      () => this.#expire(chat),
      this.grace * 1000,
    );
    this.#tell(session, PARTNER_AWAY_FRAME);
    return true;
  }

  /**
   * The fresh session of a new socket asks to resume with `frame`: the
   * paused session takes its peer over and is returned; `null` when refused,
   * after `resume_failed` (and, but for a frame out of place, a close 4005).
   * Nothing of anyone's chat is sent on a refusal.
   */
  resume(
    fresh: Session,
    frame: ResumeFrame,
    probed?: boolean,
  ): Session | null | Promise<Session | null> {
    if (fresh.state !== "fresh" || fresh.present) {
      fresh.peer.send(
        errorFrame("resume_failed", "resume must be the first frame"),
      );
      return null;
    }
    const chat = this.#chats.get(frame.token.slice(0, KEY_LENGTH));
    if (!chat && this.#handovers) return this.#handovers.ask(fresh, frame);
    let refusal = "";
    if (!chat || !sameToken(chat.token, frame.token)) {
      refusal = "unknown or expired token";
    } else if (chat.ended) refusal = "the chat has ended";
    else if (chat.probing) refusal = "a resume is under way";
    else if (chat.inner !== null) {
      // A peer that cannot be asked counts as there.
      const ask = probed === undefined && chat.inner.probe !== undefined;
      if (ask) return this.#probe(chat, fresh, frame);
      if (probed ?? true) refusal = "the chat is still connected";
      else {
        // Dead, though its TCP connection never said so: the visitor's
        // network changed. Its lines since are held, as for any drop.
        chat.inner.abandon?.();
        this.pause(chat.session);
      }
    }
    if (refusal === "" && !chat!.holds(frame.seen)) {
      refusal = "lines were lost";
    }
    if (refusal !== "") {
      fresh.peer.send(errorFrame("resume_failed", refusal));
      fresh.peer.close(CLOSE.resumeFailed.code, CLOSE.resumeFailed.reason);
      // Its visitor will not come back: the partner need not wait.
      if (refusal === "lines were lost") this.#expire(chat!);
      return null;
    }
    const { session } = chat!;
    fresh.state = "gone";
    this.#options.sessions.delete(fresh.id);
    this.#options.clock.clearTimeout(chat!.timer);
    chat!.timer = undefined;
    chat!.back(fresh.peer, frame.seen);
    this.#tell(session, PARTNER_BACK_FRAME);
    return session;
  }

  /**
   * A resume names a chat whose socket still looks open: a ping (or a
   * frame) within {@linkcode PROBE_MS} says someone is there, and the token
   * was stolen; silence says the socket died unnoticed, and the resume
   * takes it over. Meanwhile `fresh` does nothing else.
   */
  async #probe(
    chat: Resumable,
    fresh: Session,
    frame: ResumeFrame,
  ): Promise<Session | null> {
    chat.probing = true;
    fresh.state = "checking";
    const alive = await chat.inner!.probe!(PROBE_MS);
    chat.probing = false;
    if (fresh.state !== "checking") return null; // Its socket closed.
    fresh.state = "fresh";
    return this.resume(fresh, frame, alive) as Session | null;
  }

  /**
   * A resume on another instance asks for the chat of `frame.token`, whose
   * visitor has its partner's lines up to `frame.seen`. `done` hears,
   * within the same task as the decision (nothing may come for the chat
   * in between), `null` if it is not here; else the chat, which this
   * switchboard lets go of, or why it is refused (checked as for a resume
   * here, a socket that still looks open probed first).
   */
  handOff(
    frame: { token: string; seen: number },
    done: (found: HandOff | null) => void,
  ): void {
    const chat = this.#chats.get(frame.token.slice(0, KEY_LENGTH));
    if (!chat) return done(null);
    let refusal = "";
    if (!sameToken(chat.token, frame.token)) {
      refusal = "unknown or expired token";
    } else if (chat.ended) refusal = "the chat has ended";
    else if (chat.probing) refusal = "a resume is under way";
    else if (chat.inner !== null) {
      const inner = chat.inner;
      if (!inner.probe) return done({ refusal: "the chat is still connected" });
      chat.probing = true;
      void inner.probe(PROBE_MS).then((alive) => {
        chat.probing = false;
        if (!alive && chat.inner === inner && !chat.ended) {
          inner.abandon?.();
          this.pause(chat.session);
        }
        this.handOff(frame, done);
      });
      return;
    } else if (!chat.holds(frame.seen)) {
      this.#expire(chat);
      refusal = "lines were lost";
    }
    if (refusal !== "") return done({ refusal });
    this.#options.clock.clearTimeout(chat.timer);
    chat.timer = undefined;
    chat.ended = true;
    this.#chats.delete(chat.token.slice(0, KEY_LENGTH));
    done({ chat });
  }

  /**
   * `session`, fresh here, takes over a chat handed over from another
   * instance (`handover.ts`) with `token` and the lines held for it: it
   * goes on on its socket at once (`Resumable.back`).
   */
  adopt(session: Session, token: string, lines: HeldLines): Resumable {
    const chat = new Resumable(this, session);
    chat.token = token;
    chat.adopt(lines);
    chat.inner = session.peer;
    session.peer = chat;
    session.resume = chat;
    this.#chats.set(token.slice(0, KEY_LENGTH), chat);
    return chat;
  }

  /**
   * The server restarts: every resumable chat of `sessions` on a socket is
   * paused, and the socket closed with `code`, so that its visitor resumes
   * on another instance (`handover.ts`).
   */
  restart(sessions: Iterable<Session>, code: number): void {
    for (const session of sessions) {
      const socket = session.resume?.inner;
      if (!socket || !this.pause(session)) continue;
      if (socket.abandon) socket.abandon(code);
      else socket.close(code, "");
    }
  }

  /** Whether the chat of `session` is paused, waiting for its visitor. */
  isPaused(session: Session): boolean {
    const chat = session.resume;
    return chat !== null && session.peer === chat && chat.inner === null;
  }

  /** Chats paused here, waiting for their visitors. */
  get paused(): number {
    let paused = 0;
    for (const chat of this.#chats.values()) {
      if (chat.inner === null && !chat.ended) paused++;
    }
    return paused;
  }

  /**
   * `session`, resumable, leaves or its chat ends: its held lines are
   * freed. The token of a chat that ended while away is kept until its
   * grace is over, so that a resume hears that the chat has ended.
   */
  ended(session: Session): void {
    const chat = session.resume;
    if (chat === null || chat.ended) return;
    chat.ended = true;
    chat.free();
    if (chat.timer === undefined && chat.token !== "") {
      this.#chats.delete(chat.token.slice(0, KEY_LENGTH));
    }
  }

  /**
   * Ends the paused `chat`, which nobody can be told of: its visitor is
   * away. Its partner hears `why` (absent: it left).
   */
  end(chat: Resumable, why?: PauseEnd): void {
    this.#options.end(chat.session, why);
  }

  #tell(session: Session, frame: string): void {
    this.#options.deliver(session.partner!, { kind: "frame", frame });
  }

  /** Ends `chat` for good (a paused one, its partner closed with 4006). */
  #expire(chat: Resumable): void {
    this.#options.clock.clearTimeout(chat.timer);
    chat.timer = undefined;
    if (chat.ended) this.#chats.delete(chat.token.slice(0, KEY_LENGTH));
    else this.#options.end(chat.session, "timeout");
  }

  /**
   * A delivery to `to`, no longer here, is sent on if `to` was handed to
   * another instance (`true`), or answered if it was to every instance.
   */
  forward(to: string, delivery: Delivery): boolean {
    return this.#handovers?.forward(to, delivery) ?? false;
  }

  /** `delivery` to `to`, elsewhere, will never arrive. */
  lost(to: string, delivery: Delivery): void {
    this.#handovers?.lost(to, delivery);
  }

  /** A delivery of a resume elsewhere (`handover.ts`) to `session`. */
  receive(session: Session, delivery: Delivery): void {
    this.#handovers?.receive(session, delivery);
  }

  /** Stops every grace timer (the server stops). */
  dispose(): void {
    this.#handovers?.dispose();
    for (const chat of this.#chats.values()) {
      this.#options.clock.clearTimeout(chat.timer);
      chat.timer = undefined;
    }
    this.#chats.clear();
  }
}
