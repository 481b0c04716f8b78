/**
 * The browser's token, browser code: a random name this browser gives
 * itself once and keeps in `localStorage`, sent with `request` and `block`
 * so that the server remembers partners and blocks by browser rather than
 * by address. It is never shown, and the server never relays or logs it.
 *
 * @module
 */

/** The storage key of the token. */
export const TOKEN_KEY = "strangers:token";

/** The length of a new token: 32 characters of base64url, 192 bits. */
const TOKEN_BYTES = 24;

/** What the server accepts as a token (`lib/ws/protocol.ts`). */
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

/** Whether `value` is a token the server accepts: 16 to 64 of `[A-Za-z0-9_-]`. */
export function isBrowserToken(value: unknown): value is string {
  return typeof value === "string" && TOKEN.test(value);
}

/**
 * A new random token: {@linkcode TOKEN_BYTES} bytes from `fill` (the
 * browser's `crypto.getRandomValues` by default), in base64url.
 */
export function newBrowserToken(
  fill: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = fill(new Uint8Array(TOKEN_BYTES));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

/** The part of `Storage` the page's preferences use. */
export type PrefStorage = Pick<Storage, "getItem" | "setItem">;

/** The page's `localStorage`, or `null` where it is off (or throws). */
export function pageStorage(): PrefStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * This browser's token: the one in `storage` if valid, else a new one,
 * saved there. Storage that throws (disabled, full) gives a token for this
 * page only.
 */
export function browserToken(storage: PrefStorage | null): string {
  try {
    const kept = storage?.getItem(TOKEN_KEY);
    if (isBrowserToken(kept)) return kept;
  } catch {
    // Storage is off: a token for this page.
  }
  const token = newBrowserToken();
  try {
    storage?.setItem(TOKEN_KEY, token);
  } catch {
    // As above.
  }
  return token;
}
