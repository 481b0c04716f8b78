/**
 * What a visitor wants to talk about, as the wire carries it: up to
 * {@linkcode MAX_INTERESTS} interests, each normalised the same way in the
 * browser (chips) and on the server (matching), and the page's language.
 * Pure, shared by both sides.
 *
 * @module
 */

/** Most interests one request may carry. */
export const MAX_INTERESTS = 5;
/** Longest interest after normalising, in characters (code points). */
export const MAX_INTEREST_LENGTH = 32;
/** Longest interest as sent, in UTF-16 code units, before normalising. */
const MAX_RAW_LENGTH = 64;

// Controls, format characters (zero-width spaces and joiners, bidi marks,
// soft hyphen, BOM) and the fillers and marks that render as nothing.
const INVISIBLE =
  /[\p{Cc}\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/gu;

/**
 * One interest as matching sees it: Unicode NFKC, invisible characters
 * removed, white space trimmed and collapsed to one space, lower case.
 * `null` when nothing is left or it is longer than
 * {@linkcode MAX_INTEREST_LENGTH} characters.
 */
export function normalizeInterest(raw: string): string | null {
  if (raw.length > MAX_RAW_LENGTH) return null;
  // White space first: a tab or a line break between words is a space.
  const text = raw.normalize("NFKC").replace(/\s+/gu, " ")
    .replace(INVISIBLE, "").replace(/ +/g, " ").trim().toLowerCase()
    .normalize("NFKC");
  const length = [...text].length;
  return length >= 1 && length <= MAX_INTEREST_LENGTH ? text : null;
}

/** The result of {@linkcode parseInterests}. */
export type InterestsResult =
  | { ok: true; interests: string[] }
  | { ok: false; reason: string };

/**
 * Validates a request's `interests` field: an array of at most
 * {@linkcode MAX_INTERESTS} strings, each valid once normalised. Returns
 * them normalised, duplicates dropped, in the order given.
 */
export function parseInterests(value: unknown): InterestsResult {
  if (!Array.isArray(value)) {
    return { ok: false, reason: "interests must be an array of strings" };
  }
  if (value.length > MAX_INTERESTS) {
    return { ok: false, reason: `at most ${MAX_INTERESTS} interests` };
  }
  const interests: string[] = [];
  for (const item of value) {
    if (typeof item !== "string") {
      return { ok: false, reason: "interests must be an array of strings" };
    }
    const interest = normalizeInterest(item);
    if (interest === null) {
      return {
        ok: false,
        reason:
          `each interest must be 1 to ${MAX_INTEREST_LENGTH} visible characters`,
      };
    }
    if (!interests.includes(interest)) interests.push(interest);
  }
  return { ok: true, interests };
}

/** A language tag as pages send it: `en`, `ru`, `pt-BR`, `zh-Hant-TW`. */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/;

/**
 * The language matching compares: the primary subtag of a BCP 47 tag, in
 * lower case (`pt-BR` → `pt`); `null` for anything that is not such a tag.
 */
export function parseLanguage(value: unknown): string | null {
  if (typeof value !== "string" || !LANGUAGE_TAG.test(value)) return null;
  return value.split("-")[0].toLowerCase();
}

/** The interests both lists hold, in the order of the first. */
export function commonInterests(
  mine: readonly string[],
  theirs: readonly string[],
): string[] {
  return mine.filter((interest) => theirs.includes(interest));
}
