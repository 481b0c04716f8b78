import { ANYONE, type Preferences } from "./matching.ts";
import type { Ring } from "./moderation/evidence.ts";
import type { Resumable } from "./resumable.ts";

/**
 * A visitor as the switchboard sees it: a peer it can send frames to and
 * close, and where that visitor is in its one conversation.
 *
 * @module
 */

/** A connected visitor as the switchboard sees it. */
export interface Peer {
  /** Sends one text frame. Must not throw for a closed peer. */
  send(frame: string): void;
  /** Closes the connection; the transport then calls `Switchboard.leave`. */
  close(code: number, reason: string): void;
  /**
   * Whether anyone is still at the other end: a ping answered, or a frame
   * heard, within `ms`. Absent: it cannot tell, and counts as there.
   */
  probe?(ms: number): Promise<boolean>;
  /**
   * Cuts the connection without its session hearing of it: a resume on
   * another socket has taken the session over (closed with 4008), or the
   * server restarts and its chat waits for it elsewhere (`code`).
   */
  abandon?(code?: number): void;
}

/**
 * Where a visitor is in its one conversation. `checking`: its request
 * waits for the gate (a proof of work to issue or check). `parked`: it
 * asked for a partner while its address group was over its pairing cap,
 * and enters matching when the group's minute allows.
 */
export type SessionState =
  | "fresh"
  | "checking"
  | "parked"
  | "matching"
  | "waiting"
  | "chat"
  | "gone";

/** One visitor's connection as held by the switchboard. */
export interface Session {
  readonly id: string;
  /**
   * Where its frames go: its connection, or during a resumable chat its
   * {@linkcode Resumable}, which keeps them for a new socket.
   */
  peer: Peer;
  state: SessionState;
  partner: string | null;
  /** When it started waiting (ms since epoch), for the pairing-wait figure. */
  waitingSince: number;
  /** The address group it connected from (`""`: unknown, never capped). */
  readonly group: string;
  /**
   * Who it is across sockets, as partners remember it: set by `request`
   * from its browser token, else its group (`""`: nobody, never avoided).
   */
  identity: string;
  /** Its partner's identity during a chat, for a block (`""`: none). */
  partnerIdentity: string;
  /**
   * Who a report or ban of it is about (`subjectsOf`): its address's
   * subject and its browser token's, set by `request`.
   */
  subjects: readonly string[];
  /** Its partner's subjects during a chat, for a report (`[]`: none). */
  partnerSubjects: readonly string[];
  /** It is shadowbanned: it meets only others who are. */
  shadow: boolean;
  /** When its chat began (ms since epoch; 0: none yet). */
  chatSince: number;
  /** Lines it sent in its chat, relayed or held back. */
  said: number;
  /** The digests of its chat's last lines (`null`: none yet, or not kept). */
  ring: Ring | null;
  /** What it asked for; the widget's bare request asks for anyone. */
  prefs: Preferences;
  /** Its request carried `interests`: the response says what is shared. */
  wantsCommon: boolean;
  /** Its preferences fell back: it waits for anyone now. */
  fallen: boolean;
  /** The timer that makes its preferences fall back, while it waits. */
  fallback: unknown;
  /** Lines sent to a partner elsewhere that the backend has not yet taken. */
  unconfirmed: number;
  /**
   * It said `presence`: a page open on its first screen, counted and pushed
   * the online count, never closed for not requesting.
   */
  present: boolean;
  /** The highest `seq` of its own lines processed (relayed or refused). */
  heard: number;
  /** Lines relayed from it to its partner: the `seq` its partner sees. */
  relayed: number;
  /**
   * Its chat can be resumed after a drop (`resume.ts`); `null`: it did not
   * ask, or resume is off.
   */
  resume: Resumable | null;
}

/** Options for {@linkcode Switchboard.join}. */
export interface JoinOptions {
  /**
   * The address group the visitor connects from: what the pairing cap
   * counts and, without a browser token, how partners remember it.
   * @default {""}
   */
  group?: string;
}

/** A fresh session `id` for `peer`, connected from address group `group`. */
export function newSession(id: string, peer: Peer, group: string): Session {
  return {
    id,
    peer,
    state: "fresh",
    partner: null,
    waitingSince: 0,
    group,
    identity: "",
    partnerIdentity: "",
    subjects: [],
    partnerSubjects: [],
    shadow: false,
    chatSince: 0,
    said: 0,
    ring: null,
    prefs: ANYONE,
    wantsCommon: false,
    fallen: false,
    fallback: undefined,
    unconfirmed: 0,
    present: false,
    heard: 0,
    relayed: 0,
    resume: null,
  };
}
