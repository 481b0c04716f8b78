/**
 * Resume tokens (`resume.ts`): made from {@linkcode TOKEN_BYTES} random
 * bytes, compared in a time that does not tell where two differ.
 *
 * @module
 */

/** Random bytes in a token: 24 characters of base64url (144 bits). */
const TOKEN_BYTES = 18;

/** A new token: {@linkcode TOKEN_BYTES} random bytes in base64url. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_");
}

/** Whether `a` and `b` are equal, in a time that does not tell where not. */
export function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) {
    diff |= a.charCodeAt(i % a.length) ^ b.charCodeAt(i);
  }
  return diff === 0;
}
