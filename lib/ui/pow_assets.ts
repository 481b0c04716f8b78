/**
 * Where the bot check's own files are served, browser code (and read by
 * `build.ts`, which copies them there from the npm `altcha` package): the
 * widget's stylesheet and the proof-of-work workers, from our origin, so
 * that the CSP needs neither inline styles nor `blob:` workers.
 *
 * They are not content-hashed, so they live outside `static/_islands/`
 * (served `immutable`) and are revalidated by ETag like the rest.
 *
 * @module
 */

/** The URL path of the folder, under `/static/`. */
export const POW_ASSETS = "/static/_islands-vendor/altcha/";

/** Each file served there, and where the `altcha` package keeps it. */
export const POW_FILES: Readonly<Record<string, string>> = {
  "altcha.css": "dist/external/altcha.css",
  "sha.js": "dist/workers/sha.js",
  "pbkdf2.js": "dist/workers/pbkdf2.js",
};

/**
 * The worker file of each algorithm a challenge may name. (ALTCHA's
 * Argon2 and scrypt workers compile WebAssembly, which the CSP forbids.)
 */
export const POW_WORKERS: Readonly<Record<string, string>> = {
  "SHA-256": "sha.js",
  "SHA-384": "sha.js",
  "SHA-512": "sha.js",
  "PBKDF2/SHA-256": "pbkdf2.js",
  "PBKDF2/SHA-384": "pbkdf2.js",
  "PBKDF2/SHA-512": "pbkdf2.js",
};
