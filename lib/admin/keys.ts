/**
 * The console's secrets, all derived from `ADMIN_TOKEN`: checking a typed
 * token in constant time, a stateless signed session (its expiry and a
 * nonce under an HMAC), and the CSRF token of a session. Every instance that
 * shares the token accepts the same sessions, and changing the token ends
 * them all. Pure but for the random nonce.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a session lasts, in milliseconds: 12 hours. */
export const SESSION_MS = 12 * 3_600_000;

/** Signs and checks what the console hands out, for one admin token. */
export class AdminKeys {
  #token: string;
  /** A random key per process: both sides of a comparison are hashed with it. */
  #compareKey = randomBytes(32);
  #sessionKey: Buffer;

  /** Keys for `token` (non-empty). */
  constructor(token: string) {
    this.#token = token;
    this.#sessionKey = createHmac("sha256", token)
      .update("strangers admin session v1")
      .digest();
  }

  /**
   * Whether `given` is the admin token. Both are hashed first, so the
   * comparison is of equal lengths and takes the same time whatever differs.
   */
  matches(given: string): boolean {
    const digest = (text: string) =>
      createHmac("sha256", this.#compareKey).update(text).digest();
    return timingSafeEqual(digest(given), digest(this.#token));
  }

  /** A new session cookie value, valid for {@linkcode SESSION_MS} from `now`. */
  newSession(now: number): string {
    const body = `${now + SESSION_MS}.${randomBytes(12).toString("base64url")}`;
    return `${body}.${this.#mac("session", body)}`;
  }

  /** Whether `value` is a session this token signed that has not expired. */
  sessionValid(value: string, now: number): boolean {
    const match = /^(\d{1,15})\.([\w-]{16})\.([\w-]{43})$/.exec(value);
    if (!match) return false;
    const body = `${match[1]}.${match[2]}`;
    return same(match[3], this.#mac("session", body)) &&
      Number(match[1]) > now;
  }

  /** The CSRF token of `session`: the console sends it back on each change. */
  csrfFor(session: string): string {
    return this.#mac("csrf", session);
  }

  /** Whether `given` is the CSRF token of `session`. */
  csrfValid(session: string, given: string): boolean {
    return same(given, this.csrfFor(session));
  }

  #mac(purpose: string, text: string): string {
    return createHmac("sha256", this.#sessionKey)
      .update(`${purpose}:${text}`)
      .digest("base64url");
  }
}

/** Whether `a` and `b` are equal, in time that depends on neither's content. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
