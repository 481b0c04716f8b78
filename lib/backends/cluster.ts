/**
 * What the shared backends (Redis, Deno KV) have in common, apart from how
 * they reach the store: instance ids, timeouts, and the
 * {@linkcode ClusterBook} of local visitors who wait in the shared queue or
 * are partnered with a peer on another instance, so that they hear of it
 * when that instance dies or the store goes away.
 *
 * @module
 */

import type { Delivery } from "../pairing.ts";

/** Where a backend hands deliveries for its local peers: the switchboard. */
export type Receive = (to: string, delivery: Delivery) => void;

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
}

/**
 * Settles like `promise`, or rejects with `<label> timed out` after
 * `options.ms` milliseconds. The timer is cleared either way.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  options: WithTimeoutOptions,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${options.label} timed out`)),
      options.ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a {@linkcode ClusterBook} asks of the backend it keeps books for. */
export interface ClusterBookOwner {
  /** Takes `id` out of the shared queue. */
  unqueue(id: string): Promise<void>;
  /** Delivers to a peer on another instance. */
  deliver(to: string, delivery: Delivery): void;
}

/**
 * One instance's books on the cluster: its id, whether the store answers,
 * the count on other instances, and which local visitors wait in the shared
 * queue or are partnered with a peer elsewhere. A backend records here what
 * it sends and what arrives; when an instance dies or the store goes away,
 * the book tells the local visitors concerned.
 */
export class ClusterBook {
  /** This instance's id, unique across the cluster. */
  readonly instance: string = randomInstanceId();
  /** This instance's id plus `:`; every peer id made here starts with it. */
  readonly idPrefix: string = this.instance + ":";
  /** Whether the store answers and pairing works. */
  up = false;
  /** Visitors on the other live instances, as of the last heartbeat. */
  others = 0;
  #owner: ClusterBookOwner;
  #localCount: () => number;
  #receive: Receive = () => {};
  /** Local peer → its partner on another instance. */
  #partners = new Map<string, string>();
  /** Local peers in the shared queue. */
  #waiting = new Set<string>();

  /** Keeps the books of `owner`; `localCount` counts the visitors here. */
  constructor(owner: ClusterBookOwner, localCount: () => number = () => 0) {
    this.#owner = owner;
    this.#localCount = localCount;
  }

  /** Deliveries for local peers go to `receive` from now on. */
  attach(receive: Receive): void {
    this.#receive = receive;
  }

  /** Visitors here; 0 while the switchboard is still being built. */
  count(): number {
    try {
      return this.#localCount();
    } catch {
      return 0;
    }
  }

  /** Visitors on all live instances, or `undefined` while the store is away. */
  online(): number | undefined {
    return this.up ? this.others + this.count() : undefined;
  }

  /** Local peers partnered with a peer on another instance. */
  get crossPairs(): number {
    return this.#partners.size;
  }

  /** The instances the partners of local peers live on. */
  partnerInstances(): Set<string> {
    const instances = new Set<string>();
    for (const remote of this.#partners.values()) {
      instances.add(instanceOf(remote));
    }
    return instances;
  }

  /** Records a match: `id` now waits (`partner` null), or `partner` is taken. */
  matched(id: string, partner: string | null): void {
    if (partner === null) this.#waiting.add(id);
    else this.#waiting.delete(partner);
  }

  /** Records that `id` left the queue. */
  unqueued(id: string): void {
    this.#waiting.delete(id);
  }

  /** Records what an outgoing delivery changes: a pair made or ended. */
  sending(to: string, delivery: Delivery): void {
    if (delivery.kind === "paired") {
      this.#partners.set(delivery.partner, to);
    } else if (delivery.kind === "left") {
      this.#partners.delete(delivery.partner);
    }
  }

  /** Records what an incoming delivery changes, then hands it on. */
  arrived(to: string, delivery: Delivery): void {
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
    }
    this.#receive(to, delivery);
  }

  /** Hands `delivery` to local peer `to` as it is, with nothing recorded. */
  receive(to: string, delivery: Delivery): void {
    this.#receive(to, delivery);
  }

  /** Forgets the remote partner of `local`, who will not hear of the pair. */
  unpair(local: string): void {
    this.#partners.delete(local);
  }

  /** Closes with 4000 the local partners of peers on instances found dead. */
  bury(dead: (instance: string) => boolean): void {
    for (const [local, remote] of [...this.#partners]) {
      if (!dead(instanceOf(remote))) continue;
      this.#partners.delete(local);
      this.#receive(local, { kind: "left", partner: remote });
    }
  }

  /**
   * The store is away: marks it down, closes the cross-instance chats with
   * 1011 and sends the local waiters back to ask again. Once only per outage.
   */
  lose(): void {
    if (!this.up) return;
    this.up = false;
    const partners = [...this.#partners.keys()];
    const waiting = [...this.#waiting];
    this.#partners.clear();
    this.#waiting.clear();
    for (const local of partners) this.#receive(local, { kind: "lost" });
    // The others dropped our waiters: each asks again, and is answered
    // `unavailable` until the store is back.
    for (const local of waiting) this.#receive(local, { kind: "requeue" });
  }

  /** Gives back what a match we no longer trust took from the queue. */
  undo(id: string, partner: string | null): void {
    if (partner === null) {
      void this.#owner.unqueue(id).catch(() => {});
    } else if (partner.startsWith(this.idPrefix)) {
      this.#waiting.delete(partner);
      this.#receive(partner, { kind: "requeue" });
    } else {
      this.#owner.deliver(partner, { kind: "requeue" });
    }
  }
}
