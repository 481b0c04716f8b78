/**
 * Finding a partner for a request, the switchboard's other half: the
 * pairing cap per address group (`pairing_cap.ts`), the partners not to
 * meet again (`recent_partners.ts`: recent ones and blocks, per instance),
 * the preferences' fallback timer, and the backend's `match` with the keys
 * of `matching.ts`. What happens once two are paired is the switchboard's.
 *
 * @module
 */

import {
  type Backend,
  type Match,
  type MatchResult,
  settle,
} from "./backends/backend.ts";
import type { Clock } from "./clock.ts";
import {
  ANYONE,
  fallsBack,
  matchTicket,
  type PairKind,
  pairKind,
} from "./matching.ts";
import { PairingCap } from "./pairing_cap.ts";
import { identityOf, RecentPartners } from "./recent_partners.ts";
import type { Session } from "./session.ts";
import type { ErrorCode, RequestFrame } from "./ws/protocol.ts";
import { commonInterests } from "./ws/interests.ts";

/** Options for {@linkcode Matchmaker}. */
export interface MatchmakerOptions {
  backend: Backend;
  clock: Clock;
  /** Requests per minute per address group; 0: no cap. */
  maxPairingsPerMinute: number;
  /** Seconds before preferences fall back; 0: at once. */
  fallbackSeconds: number;
  /** Languages never fall back. */
  strictLanguage: boolean;
  /** Recent partners a visitor does not meet again (for 10 minutes). */
  recentPartners: number;
  /** `session` asked and the backend found it `match`: pair them. */
  paired(session: Session, match: Match): void;
  /** `partner` was taken for a session that has left since: queue it again. */
  giveBack(partner: string): void;
  /** Tells `session` why its frame did nothing. */
  error(session: Session, code: ErrorCode, reason: string): void;
}

/** Pairs counted by how they came about; never by which interest. */
export type PairCounts = Record<PairKind, number>;

/** Takes requests to the backend and keeps the rules of who meets whom. */
export class Matchmaker {
  readonly pairs: PairCounts = {
    interest: 0,
    language: 0,
    fallback: 0,
    plain: 0,
  };
  #options: MatchmakerOptions;
  #cap: PairingCap<Session>;
  #recent: RecentPartners;

  constructor(options: MatchmakerOptions) {
    this.#options = options;
    this.#recent = new RecentPartners(options.clock, options.recentPartners);
    this.#cap = new PairingCap<Session>({
      perMinute: options.maxPairingsPerMinute,
      clock: options.clock,
      release: (session) => {
        session.state = "fresh";
        this.#enter(session);
      },
    });
  }

  /**
   * `session` asks for a partner with `frame`'s preferences; its
   * `identity`, `subjects` and `shadow` are set already.
   */
  request(session: Session, frame: RequestFrame): void {
    session.wantsCommon = frame.interests !== undefined;
    session.prefs = {
      interests: frame.interests ?? ANYONE.interests,
      lang: frame.lang ?? ANYONE.lang,
      strict: frame.strict ?? false,
    };
    session.waitingSince = this.#options.clock.now();
    if (this.#cap.admit(session.group, session)) this.#enter(session);
    else session.state = "parked";
  }

  /** A waiter for interests only takes anyone now. */
  widen(session: Session): void {
    if (session.state !== "waiting") {
      return this.#options.error(session, "not_waiting", "widen while waiting");
    }
    session.prefs = { ...session.prefs, strict: false };
    this.#fallBack(session);
  }

  /**
   * `session` never meets this stranger again: its partner in a chat, else
   * the last partner of the identity of `token` (or of its address).
   * Returns false when there is nobody to block.
   */
  block(session: Session, token?: string): boolean {
    const [mine, theirs] = session.state === "chat"
      ? [session.identity, session.partnerIdentity]
      : ((id) => [id, this.#recent.last(id) ?? ""])(
        identityOf(token, session.group),
      );
    if (mine === "" || theirs === "") return false;
    this.#recent.block(mine, theirs);
    return true;
  }

  /**
   * `session` was paired with `identity` asking for `interests`: remembers
   * the partner and returns what both like, sorted, the same on both sides.
   */
  met(session: Session, identity: string, interests: readonly string[]) {
    this.#stopFallback(session);
    session.partnerIdentity = identity;
    this.#recent.remember(session.identity, identity);
    return commonInterests(session.prefs.interests, interests).sort();
  }

  /** Counts a pair made for the requester `session` with `match`. */
  count(session: Session, match: Match, common: readonly string[]): void {
    const theirs = { interests: match.interests, lang: match.lang };
    this.pairs[pairKind(common, session.prefs, theirs)]++;
  }

  /** `session` is waiting no more (it left, or its partner arrived). */
  leave(session: Session, state: Session["state"]): void {
    this.#stopFallback(session);
    if (state === "parked") this.#cap.unpark(session.group, session);
  }

  /** The backend lost `session`'s match: it asks again, keeping its place. */
  requeue(session: Session): void {
    this.#enter(session);
  }

  /** Stops the cap's timers. */
  dispose(): void {
    this.#cap.dispose();
  }

  /** Asks the backend for a partner: the request is past the cap. */
  #enter(session: Session, again = false): void {
    const { fallbackSeconds, strictLanguage, clock } = this.#options;
    const late = clock.now() - session.waitingSince >= fallbackSeconds * 1000;
    if (late && fallsBack(session.prefs, strictLanguage)) session.fallen = true;
    session.state = "matching";
    let result: MatchResult | Promise<MatchResult>;
    try {
      result = this.#options.backend.match(
        session.id,
        matchTicket(
          {
            identity: session.identity,
            avoid: this.#recent.avoid(session.identity),
            since: session.waitingSince,
            subjects: session.subjects,
            shadow: session.shadow,
          },
          session.prefs,
          session.fallen,
          strictLanguage,
        ),
        again,
      );
    } catch {
      return this.#unavailable(session);
    }
    if (result instanceof Promise) {
      result.then(
        (match) => this.#matched(session, match),
        () => this.#unavailable(session),
      );
    } else {
      this.#matched(session, result);
    }
  }

  #unavailable(session: Session): void {
    if (session.state !== "matching") return;
    session.state = "fresh";
    this.#options.error(
      session,
      "unavailable",
      "pairing is unavailable, try again",
    );
  }

  #matched(session: Session, match: MatchResult): void {
    if (session.state === "gone") {
      // Left while the backend was answering: give the match back.
      if (match !== null && match !== "taken") {
        this.#options.giveBack(match.partner);
      } else if (match === null) {
        void settle(this.#options.backend.unqueue(session.id));
      }
      return;
    }
    // Already paired by another instance while our answer was on its way.
    if (session.state !== "matching") return;
    if (match === null || match === "taken") {
      // Taken: the `paired` of whoever took it is on its way.
      session.state = "waiting";
      if (match === null) this.#scheduleFallback(session);
      return;
    }
    this.#options.paired(session, match);
  }

  #scheduleFallback(session: Session): void {
    const { fallbackSeconds, strictLanguage, clock } = this.#options;
    if (session.fallen || session.fallback !== undefined) return;
    if (!fallsBack(session.prefs, strictLanguage)) return;
    const due = session.waitingSince + fallbackSeconds * 1000 - clock.now();
    session.fallback = clock.setTimeout(() => {
      session.fallback = undefined;
      if (session.state === "waiting") this.#fallBack(session);
    }, Math.max(0, due));
  }

  /** Matches a waiter again with its fallen-back keys. */
  #fallBack(session: Session): void {
    this.#stopFallback(session);
    session.fallen = true;
    this.#enter(session, true);
  }

  #stopFallback(session: Session): void {
    if (session.fallback === undefined) return;
    this.#options.clock.clearTimeout(session.fallback);
    session.fallback = undefined;
  }
}
