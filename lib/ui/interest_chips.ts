/**
 * Editing the list of interests the idle screen shows as chips, browser
 * code and pure: what the visitor types is cut at commas and normalised by
 * the server's own rule (`lib/ws/interests.ts`), so that a chip shows
 * exactly what matching compares; duplicates are dropped and the list
 * stops at {@linkcode MAX_INTERESTS}.
 *
 * @module
 */

import {
  MAX_INTERESTS,
  normalizeInterest,
  parseInterests,
} from "../ws/interests.ts";
import { hasVisibleCharacter } from "../ws/protocol.ts";

export { MAX_INTEREST_LENGTH, MAX_INTERESTS } from "../ws/interests.ts";

/** What ends an interest as typed: a comma (also the CJK and Arabic ones). */
const SEPARATORS = /[,\uFF0C\u3001\u060C]/;

/** Why some of the typed text did not become a chip. */
export type ChipProblem = "full" | "too_long" | "duplicate";

/** The result of {@linkcode addInterests}. */
export interface ChipEdit {
  /** The list after the edit. */
  interests: string[];
  /** What stays in the input: the text that could not be added. */
  rest: string;
  /** Why `rest` is not empty (or a duplicate was dropped), else `null`. */
  problem: ChipProblem | null;
}

/**
 * Adds every comma-separated interest of `text` to `list`: normalised,
 * duplicates dropped, at most {@linkcode MAX_INTERESTS} in all. Text that
 * is too long, or that does not fit, stays in `rest` to be edited.
 */
export function addInterests(list: readonly string[], text: string): ChipEdit {
  const interests = [...list];
  const rest: string[] = [];
  let problem: ChipProblem | null = null;
  for (const part of text.split(SEPARATORS)) {
    const interest = normalizeInterest(part);
    if (interest === null) {
      // Nothing visible is just dropped; too long stays to be shortened.
      if (!hasVisibleCharacter(part)) continue;
      rest.push(part.trim());
      problem ??= "too_long";
    } else if (interests.includes(interest)) {
      problem ??= "duplicate";
    } else if (interests.length >= MAX_INTERESTS) {
      rest.push(part.trim());
      problem = "full";
    } else {
      interests.push(interest);
    }
  }
  return { interests, rest: rest.join(", "), problem };
}

/** `list` without the interest at `index`. */
export function removeInterest(
  list: readonly string[],
  index: number,
): string[] {
  return list.filter((_, i) => i !== index);
}

/**
 * Interests read back from storage: the stored JSON if it is a valid list,
 * normalised; anything else (missing, edited by hand, an older format)
 * gives an empty list.
 */
export function readInterests(stored: string | null): string[] {
  if (stored === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return [];
  }
  const parsed = parseInterests(value);
  return parsed.ok ? parsed.interests : [];
}
