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
   * whose {@linkcode MatchTicket.identity} is `identity` (absent: none).
   */
  | { kind: "paired"; partner: string; identity?: string }
  /** Send this text frame to the peer. */
  | { kind: "frame"; frame: string }
  /** Your partner left: close with 4000. */
  | { kind: "left"; partner: string }
  /** You were taken from the queue but your match vanished: queue again. */
  | { kind: "requeue" }
  /** The backend lost the way to your partner: close with 1011. */
  | { kind: "lost" };

/**
 * What a request brings to matching besides its id: who the requester is
 * and whom it must not meet again. The backend keeps it with a waiter, so
 * that the rule holds from both sides.
 */
export interface MatchTicket {
  /**
   * An opaque name for the visitor across sockets (a hash of its browser
   * token or of its address group); `""` for none, which nobody avoids.
   */
  identity: string;
  /** Identities this visitor must not be paired with (a few at most). */
  avoid: readonly string[];
}

/**
 * Whether a requester with `ticket` may meet a waiter queued with `waiter`:
 * neither names the other in its avoid list. Empty identities never clash.
 */
export function compatible(ticket: MatchTicket, waiter: MatchTicket): boolean {
  return !(waiter.identity !== "" && ticket.avoid.includes(waiter.identity)) &&
    !(ticket.identity !== "" && waiter.avoid.includes(ticket.identity));
}

/** A waiter taken by {@linkcode Backend.match}: its id and identity. */
export interface Match {
  partner: string;
  identity: string;
}

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
   * Atomically takes the oldest waiter that `ticket` allows (never `id`
   * itself) and returns it, or queues `id` with `ticket` and returns `null`.
   * A waiter is returned at most once.
   *
   * A waiter is skipped, and stays queued, when its identity is in
   * `ticket.avoid` or `ticket.identity` is in the avoid list it was queued
   * with (empty identities never match). The look for an allowed waiter is
   * bounded (a few dozen from the head): past it, `id` is queued.
   */
  match(id: string, ticket?: MatchTicket): Match | null | Promise<Match | null>;
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
  /** Releases timers and connections. */
  close(): void | Promise<void>;
}
