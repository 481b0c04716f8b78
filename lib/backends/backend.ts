/**
 * The contract between the switchboard and the place its waiting queue
 * lives: a {@linkcode Backend} is attached to one {@linkcode BackendHost}
 * (the switchboard), pairs visitors through {@linkcode Backend.match}, and
 * carries {@linkcode Delivery | deliveries} to peers of other instances.
 *
 * Nothing here knows of sockets or frames' shapes: a frame travels as the
 * text the switchboard made.
 *
 * @module
 */

/** What travels from one visitor's side to the other's, maybe across processes. */
export type Delivery =
  /**
   * You were paired with `partner` (sent to the waiter that was matched),
   * whose {@linkcode MatchTicket.identity} is `identity` (absent: none),
   * who asked for `interests` (absent: none) and whom a report would be
   * about as `subjects` (absent: none).
   */
  | {
    kind: "paired";
    partner: string;
    identity?: string;
    interests?: readonly string[];
    subjects?: readonly string[];
  }
  /** Send this text frame to the peer. */
  | { kind: "frame"; frame: string }
  /**
   * Your partner left: close with 4000; or its paused chat (`resume.ts`)
   * ended `why`: it did not come back in time (`timeout`, 4006) or too
   * much was sent to it while away (`overflow`, 4007).
   */
  | { kind: "left"; partner: string; why?: "timeout" | "overflow" }
  /** You were taken from the queue but your match vanished: queue again. */
  | { kind: "requeue" }
  /** The backend lost the way to your partner: close with 1011. */
  | { kind: "lost" }
  /**
   * Sent to {@linkcode EVERYWHERE}: whoever holds the chat of `token`
   * hands it to `fresh`, a new socket's session that has every line of its
   * partner's up to `seen` (`resume.ts`, `handover.ts`).
   */
  | { kind: "resume"; token: string; seen: number; fresh: string }
  /** The chat a resume asked for, from `from`, its session until now. */
  | { kind: "handover"; from: string; chat: HandedChat }
  /** The resume you sent was refused, for `reason`. */
  | { kind: "refused"; reason: string }
  /** Your partner `partner` is `now` from now on: its chat moved there. */
  | { kind: "moved"; partner: string; now: string };

/**
 * The address of a delivery to every instance (shared backends only),
 * the sender's included.
 */
export const EVERYWHERE = "*";

/**
 * A chat as one instance hands it to another (`handover.ts`): the side of
 * the visitor who resumed there, with the partner's lines held for it.
 */
export interface HandedChat {
  /** Its partner's id. */
  partner: string;
  /** The resume token, kept: the visitor may drop and resume again. */
  token: string;
  /** The highest partner `seq` the visitor has. */
  seen: number;
  /** The highest `seq` of its own lines processed. */
  heard: number;
  /** Lines relayed from it to its partner. */
  relayed: number;
  identity: string;
  partnerIdentity: string;
  subjects: readonly string[];
  partnerSubjects: readonly string[];
  shadow: boolean;
  /** When its chat began (ms since epoch). */
  chatSince: number;
  /** Lines it sent in its chat. */
  said: number;
  /** Its evidence ring's entries, oldest first (`[]`: none). */
  ring: readonly number[];
  /** The partner's line frames held for it, and their `seq`. */
  frames: readonly string[];
  seqs: readonly number[];
  /** The `seq` of the partner's last line. */
  last: number;
  /** The last `partner_away` / `partner_back` it missed (`""`: none). */
  status: string;
}

/**
 * What a request brings to matching besides its id: who the requester is,
 * whom it must not meet again, and the keys it looks under and is listed
 * under (`matching.ts`). The backend keeps it with a waiter, so that the
 * avoid rule holds from both sides.
 */
export interface MatchTicket {
  /**
   * An opaque name for the visitor across sockets (a hash of its browser
   * token or of its address group); `""` for none, which nobody avoids.
   */
  identity: string;
  /** Identities this visitor must not be paired with (a few dozen at most). */
  avoid: readonly string[];
  /** Its interests, handed to the partner it is paired with. */
  interests: readonly string[];
  /** Its language (`*`: none given), for the partner's pair count. */
  lang: string;
  /**
   * Who a report against it would be about (hashes of its address group
   * and browser token, `recent_partners.ts`), handed to its partner.
   */
  subjects: readonly string[];
  /** Keys to look under, in tiers: the first tier with a waiter wins. */
  look: readonly (readonly string[])[];
  /** Keys it is listed under while it waits. */
  list: readonly string[];
  /**
   * When it asked (ms since the epoch): the longest waiter is the one with
   * the smallest `since`, which a waiter keeps when it falls back.
   */
  since: number;
}

/**
 * Whether a requester with `ticket` may meet a waiter queued with `waiter`:
 * neither names the other in its avoid list. Empty identities never clash.
 */
export function compatible(
  ticket: Pick<MatchTicket, "identity" | "avoid">,
  waiter: Pick<MatchTicket, "identity" | "avoid">,
): boolean {
  return !(waiter.identity !== "" && ticket.avoid.includes(waiter.identity)) &&
    !(ticket.identity !== "" && waiter.avoid.includes(ticket.identity));
}

/** A waiter taken by {@linkcode Backend.match}: who, and what it asked for. */
export interface Match {
  partner: string;
  identity: string;
  interests: readonly string[];
  lang: string;
  subjects: readonly string[];
}

/**
 * What {@linkcode Backend.match} answers: a partner, `null` (queued), or,
 * for a match `again`, `"taken"`: the caller was no longer queued (someone
 * took it, and their `paired` is on its way, or it left).
 */
export type MatchResult = Match | null | "taken";

/** What a backend is attached to: the switchboard of this instance. */
export interface BackendHost {
  /** Hands `delivery` to the local peer `to` (an unknown `to` has left). */
  receive(to: string, delivery: Delivery): void;
  /** Visitors connected to this instance, for the cluster-wide count. */
  localCount(): number;
  /**
   * Reports that `delivery` to `to` will never arrive: the store refused it
   * or the addressee's instance is gone. Counted, never silent.
   */
  lost(to: string, delivery: Delivery): void;
}

/** Where waiters queue and how deliveries reach peers of other instances. */
export interface Backend {
  /** Which implementation this is, for health reports. */
  readonly kind: "memory" | "redis" | "kv";
  /**
   * Whether other instances share the queue: then the online count also
   * moves with joins elsewhere, and deliveries may cross processes.
   */
  readonly shared: boolean;
  /**
   * Atomically takes the waiter with the smallest `since` listed under a
   * key of the first tier of `ticket.look` that has one (never `id`
   * itself) and returns it, or queues `id` under `ticket.list` and returns
   * `null`. A waiter is returned at most once, and leaves every key it was
   * listed under.
   *
   * A shared backend may be given a local window (`MATCH_LOCAL_WINDOW`):
   * then a waiter of the caller's own instance that asked at most that many
   * milliseconds after the one above is taken instead, so that under load
   * most chats stay on one instance.
   *
   * A waiter is skipped, and stays queued, when its identity is in
   * `ticket.avoid` or `ticket.identity` is in the avoid list it was queued
   * with (empty identities never match). The look under each key is
   * bounded (a few dozen from its head): past it, that key has nobody.
   *
   * `again`: `id` is queued already (its preferences fell back): it leaves
   * its old keys and matches anew; if it is no longer queued, nothing
   * changes and the answer is `"taken"`.
   */
  match(
    id: string,
    ticket: MatchTicket,
    again?: boolean,
  ): MatchResult | Promise<MatchResult>;
  /** Takes `id` out of the queue if it is there. O(1). */
  unqueue(id: string): void | Promise<void>;
  /**
   * Delivers to a peer that is not connected to this switchboard. For a
   * `frame`, a shared backend returns a promise that resolves once the
   * store accepted it on its way to the addressee (`true`) or refused it,
   * or nobody there can hear it (`false`); it never rejects.
   */
  deliver(to: string, delivery: Delivery): void | Promise<boolean>;
  /** Called once, before any other call but `close`: binds the backend to `host`. */
  attach(host: BackendHost): void;
  /** Visitors connected across all instances, or `undefined` for local only. */
  online(): number | undefined;
  /** False while the backend cannot be reached (absent: always reachable). */
  readonly available?: boolean;
  /** A prefix for ids made here, unique across the cluster. */
  readonly idPrefix: string;
  /** Pairs `match` made here with a waiter on another instance. */
  readonly pairsAcross?: number;
  /** Releases timers and connections. */
  close(): void | Promise<void>;
}

/**
 * Waits out a backend call whose failure needs no answer: the backend is
 * down, and its own liveness sweep drops stale waiters.
 */
export async function settle(result: void | Promise<void>): Promise<void> {
  try {
    await result;
  } catch {
    // Nothing to do: see above.
  }
}
