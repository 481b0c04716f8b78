/**
 * The load generator's visitors (`bench/load.ts`): each one a socket through
 * Deno's native `WebSocket` client, speaking the wire protocol, and the
 * {@linkcode Crowd} they belong to, which says where the next one connects,
 * tallies errors and records the measurement window their lines land in.
 *
 * Each chat line starts with its send time (`performance.now()`), so the
 * receiver, in the same process, measures its latency in milliseconds. The
 * time is written as one word of letters, not digits: the server's
 * early-link filter holds back phone numbers in a chat's first lines, and a
 * stamp it took for one would never be relayed.
 *
 * @module
 */

import { requestMaker, type RequestSpec } from "./interests.ts";

/** Options for a {@linkcode Crowd}. */
export interface CrowdOptions {
  /** Visitor k connects to `ports[k % ports.length]`. */
  ports: number[];
  /** Connect to 127.0.0.1…127.0.0.N in turn. */
  hosts: number;
  /** Offset into the host list. */
  firstHost: number;
  /** The WebSocket path, such as `/ws`. */
  path: string;
  /**
   * `unique`: each visitor its own X-Forwarded-For address (10.K.x.y for
   * the generator with `firstHost` K, so that generators never share one);
   * an address: all of them that one. Lets a server that trusts the proxy
   * header tell one abuser from a thousand loopback neighbours.
   * @default {none}
   */
  forwarded?: string;
}

const BARE_REQUEST = () => '{"type":"request"}';

/** Counters and samples of one measurement window. */
export class Window {
  echoes = 0;
  guests = 0;
  sent = 0;
  /** `online` frames: the server's broadcasts arrive in bursts. */
  online = 0;
  echoLatency: number[] = [];
  relayLatency: number[] = [];
  record = false;
  /** When the generator changed the online count (`watch`), in order. */
  changes: number[] = [];
  /** From a change to a presence visitor seeing a pushed count, in ms. */
  seenLatency: number[] = [];
}

/** Errors since a mark ({@linkcode Crowd.errorsFrom}). */
export interface ErrorsSince {
  errors: number;
  /** Kind → how often. */
  errorKinds: Record<string, number>;
}

/** The visitors of one generator process and what they share. */
export class Crowd {
  /** The window being recorded (or not); replaced for each command. */
  window: Window = new Window();
  /** Error kind → how often. */
  readonly errors: Map<string, number> = new Map();
  /** Errors so far, of every kind. */
  errorCount = 0;
  /** The next visitor's `request` frame (`add`'s `requests`). */
  request: () => string = BARE_REQUEST;
  /** Lines carry `"seq"`, their number in the chat, as a resumable client's do. */
  numbered = false;
  readonly #options: CrowdOptions;
  #made = 0;
  #nextHost: number;
  #forwardedNext = 0;

  constructor(options: CrowdOptions) {
    this.#options = options;
    this.#nextHost = options.firstHost;
  }

  /** The next visitors ask as `requests` says (absent: a bare request). */
  use(requests: RequestSpec | undefined): void {
    this.request = requests ? requestMaker(requests) : BARE_REQUEST;
    this.numbered = requests?.resume ?? false;
  }

  /** Counts one error of `kind`. */
  error(kind: string): void {
    this.errorCount++;
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  /**
   * Marks the errors so far; the function returned gives those since the
   * mark, in all and by kind, as a command's reply states them.
   */
  errorsFrom(): () => ErrorsSince {
    const count = this.errorCount;
    const kinds = new Map(this.errors);
    return () => ({
      errors: this.errorCount - count,
      errorKinds: Object.fromEntries(
        [...this.errors]
          .map(([kind, n]) => [kind, n - (kinds.get(kind) ?? 0)] as const)
          .filter(([, n]) => n > 0),
      ),
    });
  }

  /** Opens the next visitor's socket, on the next host and port in turn. */
  connect(): WebSocket {
    const { hosts, ports, path, forwarded } = this.#options;
    const host = `127.0.0.${1 + (this.#nextHost++ % hosts)}`;
    const port = ports[this.#made++ % ports.length];
    const url = `ws://${host}:${port}${path}`;
    if (!forwarded) return new WebSocket(url);
    const n = (this.#options.firstHost << 16) + this.#forwardedNext++;
    const address = forwarded === "unique"
      ? `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
      : forwarded;
    return new (WebSocket as unknown as WebSocketWithHeaders)(url, {
      headers: { "x-forwarded-for": address },
    });
  }
}

/** Deno's `WebSocket` takes headers, which the DOM typings do not know. */
type WebSocketWithHeaders = new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** Error codes after which a visitor not yet paired drops its socket. */
const GIVE_UP = new Set(["unavailable", "pow_required", "pow_invalid"]);

const PREFIX = '{"type":"message","message":"';
/** What precedes `me` or `guest` in a line's frame, near its end. */
const FROM = '"from":"';
const TEXT = " hello stranger, how is the weather where you are?";
const M = "m".charCodeAt(0);
const G = "g".charCodeAt(0);
/** The letter that stands for digit 0 in a send time (`a`…`j` for 0…9). */
const A = 97;

/** A send time (ms) as one word: its microseconds, each digit a letter. */
function stamp(at: number): string {
  const digits = String(Math.round(at * 1000));
  let word = "";
  for (let i = 0; i < digits.length; i++) {
    word += String.fromCharCode(digits.charCodeAt(i) - 48 + A);
  }
  return word;
}

/** Reads the send time (ms) that {@linkcode stamp} wrote at `from`, or `NaN`. */
function unstamp(text: string, from: number): number {
  let micros = 0;
  let i = from;
  for (; i < text.length; i++) {
    const digit = text.charCodeAt(i) - A;
    if (digit < 0 || digit > 9) break;
    micros = micros * 10 + digit;
  }
  return i === from ? NaN : micros / 1000;
}

/** Parses the send time at the start of a chat line, or `NaN`. */
function sentAt(data: string): number {
  if (data.startsWith(PREFIX)) return unstamp(data, PREFIX.length);
  const frame = JSON.parse(data);
  return unstamp(String(frame.message), 0);
}

/** One visitor: a socket and where it is in its conversation. */
export class Visitor {
  readonly ws: WebSocket;
  readonly created: number = performance.now();
  opened = 0;
  paired = 0;
  closed = false;
  /** Closed by us or, in churn, by the server because the partner left. */
  expectedClose = false;
  closeCode = 0;
  /** Lines this visitor has had echoed and received in its conversation. */
  echoes = 0;
  guests = 0;
  /** Closed loop: send the next line after each echo while true. */
  looping = false;
  /** In churn, the partner leaving (4000) ends the chat normally. */
  partnerMayLeave = false;
  onPaired: (() => void) | null = null;
  onEcho: (() => void) | null = null;
  onGuest: (() => void) | null = null;
  onClosed: (() => void) | null = null;
  /** Said `presence` rather than `request`: a page open on its first screen. */
  readonly present: boolean;
  /** `online` frames received. */
  onlineFrames = 0;
  /** Interests its `response` said both share (`common`), if any. */
  common = 0;
  /** How many of `#seenIn`'s changes this visitor has seen pushed. */
  #seen = 0;
  #seenIn: Window | null = null;
  /** Lines sent in its chat, for their numbers. */
  #lines = 0;
  readonly #crowd: Crowd;

  /**
   * Connects and, as soon as the socket opens, asks for a partner, or with
   * `presence` only says the page is open.
   */
  constructor(crowd: Crowd, presence = false) {
    this.#crowd = crowd;
    this.present = presence;
    this.ws = crowd.connect();
    // Made now, so that the frames follow the order the visitors were made.
    const hello = presence ? '{"type":"presence"}' : crowd.request();
    this.ws.onopen = () => {
      this.opened = performance.now();
      this.ws.send(hello);
    };
    this.ws.onmessage = (event) => this.#receive(event.data as string);
    this.ws.onerror = (event) => {
      if (this.closed || this.expectedClose) return;
      if (this.opened) return crowd.error("socket_error");
      // Why, as Deno says it (a refusal's status, a reset, a timeout).
      const why = (event as ErrorEvent).message?.replace(/^.*?: /, "");
      crowd.error(
        why ? `connect_failed: ${why.slice(0, 60)}` : "connect_failed",
      );
    };
    this.ws.onclose = (event) => {
      this.closed = true;
      this.closeCode = event.code;
      if (event.code === 4000 && this.paired && this.partnerMayLeave) {
        this.expectedClose = true;
      }
      if (!this.expectedClose && this.opened) {
        crowd.error(`closed_${event.code}`);
      }
      this.onClosed?.();
    };
  }

  #receive(data: string): void {
    const window = this.#crowd.window;
    // A line's frame ends with its side, and from our server its `seq`.
    const from = data.startsWith(PREFIX)
      ? data.charCodeAt(data.lastIndexOf(FROM) + FROM.length)
      : 0;
    if (from === M) {
      this.echoes++;
      if (window.record) {
        window.echoes++;
        window.echoLatency.push(performance.now() - sentAt(data));
      }
      if (this.looping) this.send();
      this.onEcho?.();
    } else if (from === G) {
      this.guests++;
      if (window.record) {
        window.guests++;
        window.relayLatency.push(performance.now() - sentAt(data));
      }
      this.onGuest?.();
    } else {
      const frame = JSON.parse(data);
      if (frame.type === "response") {
        this.paired = performance.now();
        this.common = frame.common?.length ?? 0;
        this.onPaired?.();
      } else if (frame.type === "online") {
        this.onlineFrames++;
        if (window.record) window.online++;
        if (window.record && this.present) this.#sawCount(window);
      } else if (frame.type === "error") {
        this.#crowd.error(`error_${frame.code}`);
        // Pairing is down for a moment: the widget drops this socket (and
        // tries again later), so its `add` need not wait for the timeout.
        // Asked for a proof of work, a raw client has none to give.
        if (GIVE_UP.has(frame.code) && !this.paired) this.close();
      }
    }
  }

  /** A pushed count: how long since the oldest change it had not seen. */
  #sawCount(window: Window): void {
    const { changes } = window;
    if (this.#seenIn !== window) {
      this.#seenIn = window;
      this.#seen = 0;
    }
    if (this.#seen < changes.length) {
      window.seenLatency.push(performance.now() - changes[this.#seen]);
      this.#seen = changes.length;
    }
  }

  /** Sends one chat line stamped with `at` (default: now). */
  send(at: number = performance.now()): void {
    const seq = this.#crowd.numbered ? `,"seq":${++this.#lines}` : "";
    this.ws.send(`{"type":"message","message":"${stamp(at)}${TEXT}"${seq}}`);
    this.#crowd.window.sent++;
  }

  /** Closes on purpose. */
  close(): void {
    this.expectedClose = true;
    this.looping = false;
    if (!this.closed) this.ws.close();
  }
}

/** Resolves when `visitor` is paired (true) or closed first (false). */
export function pairedOrClosed(visitor: Visitor): Promise<boolean> {
  if (visitor.paired) return Promise.resolve(true);
  if (visitor.closed) return Promise.resolve(false);
  return new Promise((resolve) => {
    visitor.onPaired = () => resolve(true);
    visitor.onClosed = () => resolve(false);
  });
}

/** Resolves when `visitor`'s socket is open or closed. */
export function openedOrClosed(visitor: Visitor): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (visitor.opened || visitor.closed) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
}
