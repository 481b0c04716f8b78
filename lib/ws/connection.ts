/**
 * One visitor's WebSocket, bound to the switchboard. Every incoming frame is
 * checked here before the switchboard sees it: size, rate, then protocol.
 * Outgoing frames stop at a reader that no longer reads. One object per
 * socket, listening through `handleEvent`, keeps the per-socket state small.
 * A socket that ends without its visitor asking is a drop, which pauses a
 * resumable chat (`resume.ts`); a `resume` frame moves one onto this socket.
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import {
  CLOSE,
  type ErrorCode,
  errorFrame,
  parseClientFrame,
  type ResumeFrame,
} from "./protocol.ts";
import type { Peer, Session } from "../session.ts";
import { RateLimiter } from "./rate_limiter.ts";

/**
 * Binds `socket` (just upgraded) to the switchboard. Deno's socket opens
 * later; npm `ws`'s is open already, and reports `close` only once its TCP
 * connection is gone, so its slot is held until then.
 */
export function attachSocket(
  socket: WebSocket,
  state: AppState,
  address: string,
): Attached {
  const connection = new Connection(socket, state, address);
  state.openSockets++;
  socket.addEventListener("message", connection);
  socket.addEventListener("close", connection);
  if (socket.readyState === WebSocket.OPEN) {
    connection.handleEvent(new Event("open"));
  } else socket.addEventListener("open", connection);
  return connection;
}

/** A socket bound by {@linkcode attachSocket}. */
export interface Attached {
  /**
   * Leaves the chat (the partner is told at once) and closes the socket:
   * for an edge that meets a protocol error before the connection does.
   */
  close(code: number, reason: string): void;
}

class Connection implements Peer, EventListenerObject {
  #socket: WebSocket;
  #state: AppState;
  #address: string;
  #session: Session | null = null;
  #openedAt = 0;
  #requestTimer: ReturnType<typeof setTimeout> | undefined;
  #limiter: RateLimiter;
  #sent = 0;
  /** Frames heard, for {@linkcode Connection.probe}. */
  #heard = 0;
  // Deno may dispatch `close` twice (a ping timeout, then the read ending):
  // count the socket down once.
  #closed = false;

  constructor(socket: WebSocket, state: AppState, address: string) {
    this.#socket = socket;
    this.#state = state;
    this.#address = address;
    const { config } = state;
    this.#limiter = new RateLimiter({
      rate: config.rateMessages,
      burst: config.rateBurst,
      typingRate: config.rateTyping,
      abuseLimit: config.rateAbuseLimit,
    });
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case "open":
        return this.#onOpen();
      case "message":
        return this.#onMessage((event as MessageEvent).data);
      case "close":
        return this.#onClose(event as CloseEvent);
    }
  }

  send(frame: string): void {
    const socket = this.#socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    // Reading bufferedAmount calls into the runtime: look every 16th frame,
    // which lets a stuck reader's queue overshoot by 16 frames at most.
    if (
      (++this.#sent & 15) === 0 &&
      socket.bufferedAmount > this.#state.config.maxBufferedBytes
    ) {
      // It stopped reading: queue nothing more, free its partner now.
      this.#state.metrics.reject("slow_reader");
      return this.close(CLOSE.slowReader.code, CLOSE.slowReader.reason);
    }
    socket.send(frame);
  }

  close(code: number, reason: string): void {
    this.#leave();
    if (this.#socket.readyState <= WebSocket.OPEN) {
      this.#socket.close(code, reason);
    }
  }

  probe(ms: number): Promise<boolean> {
    const socket = this.#socket;
    if (socket.readyState !== WebSocket.OPEN) return Promise.resolve(false);
    const heard = this.#heard;
    // The node edge's socket (npm ws) pings; Deno's cannot, and only a
    // frame from its visitor tells it is there.
    const ws = socket as unknown as Partial<Pinger>;
    return new Promise((resolve) => {
      const done = (alive: boolean) => {
        clearTimeout(timer);
        ws.off?.("pong", pong);
        resolve(alive);
      };
      const pong = () => done(true);
      const timer = setTimeout(() => done(this.#heard !== heard), ms);
      if (typeof ws.ping === "function") {
        ws.once!("pong", pong);
        ws.ping();
      }
    });
  }

  abandon(code: number = CLOSE.resumedElsewhere.code): void {
    this.#session = null;
    const reason = code === CLOSE.restart.code
      ? CLOSE.restart.reason
      : CLOSE.resumedElsewhere.reason;
    if (this.#socket.readyState <= WebSocket.OPEN) {
      this.#socket.close(code, reason);
    }
  }

  #onOpen(): void {
    this.#openedAt = Date.now();
    // The address is already its group (handshake): what pairing caps.
    this.#session = this.#state.switchboard.join(this, {
      group: this.#address,
    });
    this.#state.log.debug("ws_open", {
      ip: this.#state.config.logIps ? this.#address : undefined,
    });
    this.#requestTimer = setTimeout(() => {
      this.#requestTimer = undefined;
      if (this.#session?.state === "fresh") {
        this.close(CLOSE.requestTimeout.code, CLOSE.requestTimeout.reason);
      }
    }, this.#state.config.requestTimeout * 1000);
  }

  #onMessage(data: unknown): void {
    this.#heard++;
    const session = this.#session;
    if (!session || session.state === "gone") return;
    const { config } = this.#state;
    if (typeof data !== "string") {
      const size = data instanceof ArrayBuffer
        ? data.byteLength
        : (data as Blob).size ?? 0;
      if (size > config.maxFrameBytes) return this.#tooBig();
      // A binary frame spends the budget a text frame would.
      const verdict = this.#limiter.take(false);
      if (verdict === "abuse") return this.#abuse();
      if (verdict === "excess") {
        return this.#refuse("rate_limited", "too many frames, slow down");
      }
      return this.#refuse("binary_not_supported", "send JSON text frames");
    }
    const max = config.maxFrameBytes;
    if (data.length * 3 > max && utf8Length(data) > max) return this.#tooBig();
    const parsed = parseClientFrame(data, {
      maxMessageLength: config.maxMessageLength,
    });
    const typing = parsed.ok && parsed.frame.type === "typing";
    const verdict = this.#limiter.take(typing);
    if (verdict === "abuse") return this.#abuse();
    if (verdict === "excess") {
      // An extra typing hint is dropped quietly: it is only a hint, and the
      // visitor did nothing wrong that a line on screen should report.
      if (typing) return;
      return this.#refuse("rate_limited", "too many frames, slow down");
    }
    if (!parsed.ok) return this.#refuse(parsed.code, parsed.reason);
    const { type } = parsed.frame;
    if (type === "resume") return this.#resume(session, parsed.frame);
    // A page that said presence stays open for as long as it is open.
    if (
      (type === "request" || type === "presence") &&
      this.#requestTimer !== undefined
    ) {
      clearTimeout(this.#requestTimer);
      this.#requestTimer = undefined;
    }
    this.#state.switchboard.handle(session, parsed.frame);
  }

  #onClose(event: CloseEvent): void {
    if (this.#closed) return;
    this.#closed = true;
    const { code } = event;
    clearTimeout(this.#requestTimer);
    this.#requestTimer = undefined;
    const session = this.#session;
    this.#session = null;
    if (session && dropped(event)) this.#state.switchboard.drop(session);
    else if (session) this.#state.switchboard.leave(session);
    const { metrics, limits, log, config } = this.#state;
    metrics.closed(code);
    this.#state.openSockets--;
    limits.release(this.#address);
    log.debug("ws_close", {
      code,
      seconds: this.#openedAt ? (Date.now() - this.#openedAt) / 1000 : 0,
      ip: config.logIps ? this.#address : undefined,
    });
  }

  #leave(): void {
    if (this.#session) this.#state.switchboard.leave(this.#session);
  }

  /**
   * `resume` in place of `request`, on a socket that has said neither
   * `request` nor `presence`: the chat it names goes on here.
   */
  #resume(fresh: Session, frame: ResumeFrame): void {
    if (this.#requestTimer === undefined) {
      return this.#refuse("resume_failed", "resume must be the first frame");
    }
    clearTimeout(this.#requestTimer);
    this.#requestTimer = undefined;
    const session = this.#state.switchboard.resume(fresh, frame);
    if (!(session instanceof Promise)) return this.#resumed(session);
    session.then((s) => this.#resumed(s));
  }

  /** The resume of this socket's visitor took `session` over, or not. */
  #resumed(session: Session | null): void {
    if (session && !this.#closed) this.#session = session;
  }

  #abuse(): void {
    this.#state.metrics.reject("rate_abuse");
    this.close(CLOSE.policy.code, CLOSE.policy.reason);
  }

  #tooBig(): void {
    this.#state.metrics.reject("frame_too_large");
    this.close(CLOSE.tooBig.code, CLOSE.tooBig.reason);
  }

  #refuse(code: ErrorCode, reason: string): void {
    this.#state.metrics.reject(code);
    this.#state.log.limited("debug", "frame_rejected", { code });
    // Counted every time, answered once a second per code: a flood of bad
    // frames must not buy a flood of error frames.
    if (this.#limiter.mayAnswer(code)) this.send(errorFrame(code, reason));
  }
}

/** What npm ws's socket has and the DOM's `WebSocket` has not. */
interface Pinger {
  ping(): void;
  once(event: "pong", listener: () => void): void;
  off(event: "pong", listener: () => void): void;
}

/**
 * Whether a socket ended without its visitor asking: no close frame came,
 * or the socket was found dead. What the two edges report, as measured
 * on loopback (Deno 2.9, npm ws 8.23; a socket the server closes has left
 * its chat before):
 *
 * - the client's close frame (End, Next, tab closed: 1000, 1001, or any
 *   code): that code and reason, `wasClean` true, on both;
 * - TCP ended without a close frame: Deno reports code 0 (its read
 *   failed), ws 1006; `wasClean` false;
 * - idle (no pong in time): Deno reports 1001, reason "No response from
 *   ping frame.", `wasClean` false, then a second `close` (1005, clean)
 *   that `#closed` ignores; node_edge.ts terminates the socket and ws
 *   reports 1001, `wasClean` false.
 *
 * So the code alone cannot tell an idle timeout from a closed tab (both
 * 1001), and `wasClean` can.
 */
function dropped(event: CloseEvent): boolean {
  return !event.wasClean;
}

/** UTF-8 byte length of `text`, without allocating. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes;
}
