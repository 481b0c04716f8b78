/**
 * What the shared backends (Redis, Deno KV) have in common, apart from how
 * they reach the store: instance ids, timeouts, and the books of
 * {@linkcode ClusterBackend}: which local visitors wait in the shared queue
 * or are partnered with a peer on another instance, so that they hear of it
 * when that instance dies or the store goes away.
 *
 * @module
 */

import type {
  Backend,
  BackendHost,
  Delivery,
  MatchResult,
  MatchTicket,
} from "./backend.ts";

/** A fresh instance id: eight characters of `[0-9a-z]`, unique in practice. */
export function randomInstanceId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => alphabet[b % 36]).join("");
}

/** The instance a peer id was made on: the part before its first `:`. */
export function instanceOf(id: string): string {
  return id.slice(0, id.indexOf(":"));
}

/** Options for {@linkcode withTimeout}. */
export interface WithTimeoutOptions {
  /** Milliseconds to wait. */
  ms: number;
  /** What is waited for, to name in the error (`"redis"`, `"kv"`). */
  label: string;
  /**
   * When the store last answered anything on the connection `promise`
   * waits on: then the time counts only while it answers nothing. A
   * connection answers in order, so a store that answers is getting to
   * ours; under a burst it is our own busy process that reads the replies
   * late, and that wait is not the store's.
   */
  heardAt?: () => number;
}

/**
 * Settles like `promise`, or rejects with `<label> timed out` after
 * `options.ms` milliseconds (of silence, with `heardAt`). The timer is
 * cleared either way.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  options: WithTimeoutOptions,
): Promise<T> {
  const { ms, heardAt } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const check = () => {
      const quiet = heardAt ? Date.now() - heardAt() : ms;
      if (quiet >= ms) reject(new Error(`${options.label} timed out`));
      else timer = setTimeout(check, ms - quiet);
    };
    timer = setTimeout(check, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The host of a backend not attached yet: no visitor has joined, so there
 * is nobody to count or hand anything to, and nothing has been sent.
 */
const DETACHED: BackendHost = {
  receive() {},
  localCount: () => 0,
  lost() {},
};

/**
 * A {@linkcode Backend} shared by the instances of a cluster, with one
 * instance's books on it: its id, whether the store answers, the count on
 * other instances, and which local visitors wait in the shared queue or are
 * partnered with a peer elsewhere. A subclass reaches the store; it records
 * here what it sends and what arrives, and when an instance dies or the
 * store goes away, the books tell the local visitors concerned.
 */
export abstract class ClusterBackend implements Backend {
  abstract readonly kind: "redis" | "kv";
  readonly shared = true;
  /** This instance's id, unique across the cluster. */
  readonly instance: string = randomInstanceId();
  /** This instance's id plus `:`; every peer id made here starts with it. */
  readonly idPrefix: string = this.instance + ":";
  /** Pairs `match` made here with a waiter on another instance. */
  pairsAcross = 0;
  /** Whether the store answers and pairing works. */
  protected up = false;
  /** Visitors on the other live instances, as of the last heartbeat. */
  protected others = 0;
  #host: BackendHost = DETACHED;
  /** Local peer → its partner on another instance. */
  #partners = new Map<string, string>();
  /** Local peers in the shared queue. */
  #waiting = new Set<string>();

  abstract match(
    id: string,
    ticket: MatchTicket,
    again?: boolean,
  ): Promise<MatchResult>;
  abstract unqueue(id: string): Promise<void>;
  abstract deliver(to: string, delivery: Delivery): void | Promise<boolean>;
  abstract close(): Promise<void>;

  /** Deliveries for local peers go to `host` from now on. */
  attach(host: BackendHost): void {
    this.#host = host;
  }

  /** Visitors on all live instances, or `undefined` while the store is away. */
  online(): number | undefined {
    return this.up ? this.others + this.localCount() : undefined;
  }

  /** Whether the store answers and pairing works. */
  get available(): boolean {
    return this.up;
  }

  /** Local peers partnered with a peer on another instance. */
  get crossPairs(): number {
    return this.#partners.size;
  }

  /** Visitors here (none before `attach`). */
  protected localCount(): number {
    return this.#host.localCount();
  }

  /** The instances the partners of local peers live on. */
  protected partnerInstances(): Set<string> {
    const instances = new Set<string>();
    for (const remote of this.#partners.values()) {
      instances.add(instanceOf(remote));
    }
    return instances;
  }

  /**
   * Records a match of `id`: it waits now (`null`), or it and its partner
   * wait no more. `"taken"` changes nothing: the `paired` on its way ends
   * its wait, or it has left.
   */
  protected matched(id: string, result: MatchResult): void {
    if (result === null) {
      this.#waiting.add(id);
    } else if (result !== "taken") {
      this.#waiting.delete(id);
      this.#waiting.delete(result.partner);
      if (!result.partner.startsWith(this.idPrefix)) this.pairsAcross++;
    }
  }

  /** Records that `id` left the queue. */
  protected unqueued(id: string): void {
    this.#waiting.delete(id);
  }

  /** Records what an outgoing delivery changes: a pair made or ended. */
  protected sending(to: string, delivery: Delivery): void {
    if (delivery.kind === "paired") {
      this.#partners.set(delivery.partner, to);
    } else if (delivery.kind === "left") {
      this.#partners.delete(delivery.partner);
    } else if (delivery.kind === "handover") {
      // Its chat goes on elsewhere, and its partner hears `moved`.
      this.#partners.delete(delivery.from);
    }
  }

  /** Records what an incoming delivery changes, then hands it on. */
  protected arrived(to: string, delivery: Delivery): void {
    switch (delivery.kind) {
      case "paired":
        this.#waiting.delete(to);
        this.#partners.set(to, delivery.partner);
        break;
      case "left":
        if (this.#partners.get(to) === delivery.partner) {
          this.#partners.delete(to);
        }
        break;
      case "requeue":
        this.#waiting.delete(to);
        break;
      case "handover":
        this.#partnered(to, delivery.chat.partner);
        break;
      case "moved":
        this.#partnered(to, delivery.now);
        break;
    }
    this.#host.receive(to, delivery);
  }

  /** Records that local `peer`'s partner is `partner`, here or elsewhere. */
  #partnered(peer: string, partner: string): void {
    if (partner.startsWith(this.idPrefix)) this.#partners.delete(peer);
    else this.#partners.set(peer, partner);
  }

  /** Hands `delivery` to local peer `to` as it is, with nothing recorded. */
  protected receive(to: string, delivery: Delivery): void {
    this.#host.receive(to, delivery);
  }

  /** Reports that `delivery` to `to` will never arrive. */
  protected lost(to: string, delivery: Delivery): void {
    this.#host.lost(to, delivery);
  }

  /** Forgets the remote partner of `local`, who will not hear of the pair. */
  protected unpair(local: string): void {
    this.#partners.delete(local);
  }

  /** Closes with 4000 the local partners of peers on instances found dead. */
  protected bury(dead: (instance: string) => boolean): void {
    for (const [local, remote] of [...this.#partners]) {
      if (!dead(instanceOf(remote))) continue;
      this.#partners.delete(local);
      this.#host.receive(local, { kind: "left", partner: remote });
    }
  }

  /**
   * The store is away: marks it down, closes the cross-instance chats with
   * 1011 and sends the local waiters back to ask again. Once only per outage.
   */
  protected lose(): void {
    if (!this.up) return;
    this.up = false;
    const partners = [...this.#partners.keys()];
    const waiting = [...this.#waiting];
    this.#partners.clear();
    this.#waiting.clear();
    for (const local of partners) this.#host.receive(local, { kind: "lost" });
    // The others dropped our waiters: each asks again, and is answered
    // `unavailable` until the store is back.
    for (const local of waiting) {
      this.#host.receive(local, { kind: "requeue" });
    }
  }

  /** Gives back what a match we no longer trust took from the queue. */
  protected undo(id: string, result: MatchResult): void {
    if (result === "taken") return;
    if (result === null) {
      // No delivery rides on this: if `id` stays queued, whoever is matched
      // with it later hears `left`, since the switchboard no longer waits.
      this.unqueue(id).catch(() => {});
      return;
    }
    // A match `again` took `id` out of the queue too.
    this.#waiting.delete(id);
    const { partner } = result;
    if (partner.startsWith(this.idPrefix)) {
      this.#waiting.delete(partner);
      this.#host.receive(partner, { kind: "requeue" });
    } else {
      this.deliver(partner, { kind: "requeue" });
    }
  }
}
