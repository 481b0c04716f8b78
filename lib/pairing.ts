/**
 * Who talks to whom. The {@linkcode Switchboard} pairs visitors first come,
 * first served, relays their frames and ends a chat when either side leaves.
 * It knows peers only as things that can be sent a text frame and closed, so
 * it runs (and is tested) without sockets.
 *
 * The waiting queue and the delivery to a peer sit behind {@linkcode Backend}:
 * in memory by default, or in another process (Redis, Deno KV) so that a
 * visitor on one instance can be paired with a visitor on another.
 *
 * @module
 */

import type { Backend, Delivery } from "./backends/backend.ts";
import { MemoryBackend } from "./backends/memory.ts";
import {
  type ClientFrame,
  CLOSE,
  type ErrorCode,
  errorFrame,
  messageFrames,
  onlineFrame,
  RESPONSE_FRAME,
  TYPING_FRAMES,
} from "./ws/protocol.ts";

/** A connected visitor as the switchboard sees it. */
export interface Peer {
  /** Sends one text frame. Must not throw for a closed peer. */
  send(frame: string): void;
  /** Closes the connection; the transport then calls `Switchboard.leave`. */
  close(code: number, reason: string): void;
}

/** Where a visitor is in its one conversation. */
export type SessionState = "fresh" | "matching" | "waiting" | "chat" | "gone";

/** One visitor's connection as held by the switchboard. */
export interface Session {
  readonly id: string;
  readonly peer: Peer;
  state: SessionState;
  partner: string | null;
  /** When it started waiting (ms since epoch), for the pairing-wait figure. */
  waitingSince: number;
}

/** Counters the switchboard keeps for health and metrics. */
export interface SwitchboardStats {
  pairsMade: number;
  messagesRelayed: number;
  /** Deliveries to peers elsewhere that the backend reported lost. */
  deliveriesLost: number;
  /** Seconds each pairing took from request to response. */
  onPaired?: (waitSeconds: number) => void;
}

/** Options for {@linkcode Switchboard}. */
export interface SwitchboardOptions {
  /** Where the queue lives. @default {new MemoryBackend()} */
  backend?: Backend;
  /** Minimum milliseconds between two `online` pushes. @default {1000} */
  onlineInterval?: number;
}

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
  #onlineInterval: number;
  #onlineTimer: ReturnType<typeof setTimeout> | undefined;
  #onlineRefresh: ReturnType<typeof setInterval> | undefined;
  #onlineSent = -1;
  #chats = 0;
  #closingAll = false;

  constructor(options: SwitchboardOptions = {}) {
    this.backend = options.backend ?? new MemoryBackend();
    this.#onlineInterval = options.onlineInterval ?? 1000;
    this.backend.attach({
      receive: (to, delivery) => this.#receive(to, delivery),
      localCount: () => this.#sessions.size,
      lost: () => {
        this.stats.deliveriesLost++;
      },
    });
    if (this.backend.shared) {
      // A shared count also moves with joins on other instances.
      this.#onlineRefresh = setInterval(
        () => this.#onlineChanged(),
        this.#onlineInterval,
      );
      Deno.unrefTimer(this.#onlineRefresh);
    }
  }

  /** Visitors connected to this switchboard. */
  get connected(): number {
    return this.#sessions.size;
  }

  /** Local visitors in a chat (each pair on this instance counts twice). */
  get chatting(): number {
    return this.#chats;
  }

  /** Visitors connected, cluster-wide where the backend knows. */
  get online(): number {
    return this.backend.online() ?? this.#sessions.size;
  }

  /** Registers a new connection. */
  join(peer: Peer): Session {
    const session: Session = {
      id: this.backend.idPrefix + (this.#nextId++).toString(36),
      peer,
      state: "fresh",
      partner: null,
      waitingSince: 0,
    };
    this.#sessions.set(session.id, session);
    this.#onlineChanged();
    return session;
  }

  /** Acts on one valid frame from `session`. */
  handle(session: Session, frame: ClientFrame): void {
    switch (frame.type) {
      case "request":
        return this.#request(session);
      case "message": {
        if (!this.#requirePartner(session)) return;
        this.stats.messagesRelayed++;
        const [mine, theirs] = messageFrames(frame.message);
        session.peer.send(mine);
        return this.#relay(session, theirs);
      }
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
    if (state === "waiting") {
      void this.#settle(this.backend.unqueue(session.id));
    }
    if (state === "chat") {
      this.#chats--;
      this.#sendTo(partner!, { kind: "left", partner: session.id });
    }
    this.#onlineChanged();
  }

  /** Closes every connection with `code` (shutdown) and stops the timers. */
  closeAll(code: number, reason: string): void {
    clearTimeout(this.#onlineTimer);
    this.#onlineTimer = undefined;
    const sessions = [...this.#sessions.values()];
    // Everyone here hears `code`: a local partner must not get 4000 first.
    this.#closingAll = true;
    try {
      for (const session of sessions) session.peer.close(code, reason);
    } finally {
      this.#closingAll = false;
    }
  }

  /** Stops the online timer; call when the server stops. */
  dispose(): void {
    clearTimeout(this.#onlineTimer);
    clearInterval(this.#onlineRefresh);
    this.#onlineTimer = this.#onlineRefresh = undefined;
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

  #request(session: Session): void {
    if (session.state !== "fresh") {
      return this.#error(session, "already_requested", "request already sent");
    }
    session.state = "matching";
    session.waitingSince = Date.now();
    let result: string | null | Promise<string | null>;
    try {
      result = this.backend.match(session.id);
    } catch {
      return this.#unavailable(session);
    }
    if (result instanceof Promise) {
      result.then(
        (partner) => this.#matched(session, partner),
        () => this.#unavailable(session),
      );
    } else {
      this.#matched(session, result);
    }
  }

  #unavailable(session: Session): void {
    if (session.state !== "matching") return;
    session.state = "fresh";
    this.#error(session, "unavailable", "pairing is unavailable, try again");
  }

  #matched(session: Session, partner: string | null): void {
    if (session.state === "gone") {
      // Left while the backend was answering: give the match back.
      if (partner !== null) this.#sendTo(partner, { kind: "requeue" });
      else void this.#settle(this.backend.unqueue(session.id));
      return;
    }
    // Already paired by another instance while our answer was on its way.
    if (session.state !== "matching") return;
    if (partner === null) {
      session.state = "waiting";
      return;
    }
    this.stats.pairsMade++;
    this.#pair(session, partner);
    this.#sendTo(partner, { kind: "paired", partner: session.id });
  }

  #pair(session: Session, partner: string): void {
    session.state = "chat";
    session.partner = partner;
    this.#chats++;
    this.stats.onPaired?.((Date.now() - session.waitingSince) / 1000);
    session.peer.send(RESPONSE_FRAME);
    session.peer.send(onlineFrame(this.online));
  }

  /** Sends `frame` to the partner of `session`, directly when it is here. */
  #relay(session: Session, frame: string): void {
    const partner = this.#sessions.get(session.partner!);
    if (!partner) {
      return this.backend.deliver(session.partner!, { kind: "frame", frame });
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
        if (session.state === "chat") session.peer.send(delivery.frame);
        return;
      case "paired":
        if (session.state !== "waiting" && session.state !== "matching") {
          return this.#sendTo(delivery.partner, { kind: "left", partner: to });
        }
        return this.#pair(session, delivery.partner);
      case "left":
        if (this.#closingAll) return;
        if (session.state === "chat" && session.partner === delivery.partner) {
          session.peer.close(CLOSE.partnerLeft.code, CLOSE.partnerLeft.reason);
        }
        return;
      case "requeue":
        if (session.state === "waiting") {
          session.state = "fresh";
          this.#request(session);
        }
        return;
      case "lost":
        if (session.state === "chat") {
          session.peer.close(CLOSE.backend.code, CLOSE.backend.reason);
        }
        return;
    }
  }

  #onlineChanged(): void {
    if (this.#onlineTimer !== undefined) return;
    const timer = setTimeout(() => {
      this.#onlineTimer = undefined;
      const count = this.online;
      if (count === this.#onlineSent) return;
      this.#onlineSent = count;
      // Only screens before a chat show the count: a frame to a visitor in
      // a chat would cost a write and show nothing.
      const frame = onlineFrame(count);
      for (const session of this.#sessions.values()) {
        if (session.state !== "chat") session.peer.send(frame);
      }
    }, this.#onlineInterval);
    Deno.unrefTimer(timer);
    this.#onlineTimer = timer;
  }

  async #settle(result: void | Promise<void>): Promise<void> {
    try {
      await result;
    } catch {
      // The backend is down; its own liveness sweep drops stale waiters.
    }
  }
}
