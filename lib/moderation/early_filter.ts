/**
 * The early-link filter: what a visitor may not say in a chat's first
 * lines or seconds, where bots advertise. Pure: a line is normalised (NFKC,
 * invisible characters dropped, ideographic full stops made dots, lower
 * case) and then looked at for a link (`scheme://`, `www.`, a name under a
 * known top-level domain, or one spelt `name dot com`), an @handle (`@`
 * then three or more word characters), a phone number (seven or more
 * digits with the usual separators, a `+` before them or not) and the
 * operator's listed words or phrases (whole words, any case).
 *
 * Decided edges, each a test: `3.5 hours`, `it's 10:30`, `me@ home`,
 * `@ 5pm` and `end. me too` pass; `t.me/x`, `site.io`, `x dot com`,
 * `@alice` and `+44 20 7946 0958` do not. A date spelt with digits only
 * (`2024-12-04`, `04/12/2024`) passes, where a run of seven digits (`call
 * 5551234`) does not, and digits glued to letters (`AB123456789`, a code)
 * pass too. A word joined to a domain by a full stop with no
 * space (`ok.so`, `yes.me`) is taken for a link: rare in chat, common in
 * spam.
 *
 * @module
 */

import type { Config } from "../ops/config.ts";

/** What kind of thing held a line back. */
export type Held = "link" | "handle" | "phone" | "word";

/** Top-level domains a link is recognised under: the common ones. */
export const TLDS: readonly string[] = (
  "com net org info biz xyz online site top club shop store app dev io ai co " +
  "me tv gg ly to cc ws fm am sh so im is it in us uk ru su ua by kz de fr es " +
  "pt nl be ch at pl cz sk hu ro bg gr tr ir il ae sa eg za ng ke br ar mx cl " +
  "pe ve ca au nz jp cn hk tw kr vn th id ph my sg pk bd lk np link click live " +
  "fun vip win bet pro art space website tech life world chat today email " +
  "page blog news media social lol fans cam sex porn xxx tk ml ga cf gq pw cx " +
  "nu vc gl tel mobi name asia gov edu int eu"
).split(" ");

const TLD = `(?:${TLDS.join("|")})`;

/** Domains that are everyday words too: spelt out, they need a path after. */
const WORDY = new Set("me to is it in us so am at by be do my no".split(" "));

const SPELT_TLD = `(?:${TLDS.filter((t) => !WORDY.has(t)).join("|")})`;

/**
 * A link: a scheme, `www.`, a name under a known TLD (no space around the
 * dot), or a dot spelt out: `name dot com`, `name (dot) com`, `name[.]com`.
 */
const LINK = new RegExp(
  [
    String.raw`\b[a-z][a-z0-9+.-]*://\S`,
    String.raw`\bwww\d?\.[a-z0-9-]`,
    String
      .raw`(?<![a-z0-9_-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.${TLD}(?![a-z0-9-])`,
    String.raw`\b[a-z0-9-]+\s*[([{]\s*(?:dot|\.)\s*[)\]}]\s*${TLD}\b`,
    String.raw`\b[a-z0-9-]+\s+dot\s+(?:${SPELT_TLD}\b|${TLD}\s*/)`,
  ].join("|"),
  "u",
);

/** An @handle: `@` and three or more word characters, not an e-mail's. */
const HANDLE = /(?:^|[^\p{L}\p{N}_])@[\p{L}\p{N}_.]{3,}/u;

/**
 * A run that may be a phone number: digits, separators, a `+` before; not
 * glued to letters (`AB123456789` is a code, not a number).
 */
const PHONE_RUN =
  /(?<![\p{L}\p{N}])\+?\(?\p{Nd}[\p{Nd}\s().\-/]*\p{Nd}(?![\p{L}\p{N}])/gu;

/** Digits-only dates, which are not phone numbers. */
const DATE =
  /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;

/** Characters that show nothing, dropped before looking. */
const INVISIBLE =
  /[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/gu;

/** Cyrillic and Greek letters that pass for Latin ones in a domain. */
const LOOKALIKES: Record<string, string> = {
  "а": "a",
  "в": "b",
  "е": "e",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "т": "t",
  "у": "y",
  "х": "x",
  "і": "i",
  "ј": "j",
  "ѕ": "s",
  "ԁ": "d",
  "α": "a",
  "ε": "e",
  "ι": "i",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
};

const LOOKALIKE = new RegExp(`[${Object.keys(LOOKALIKES).join("")}]`, "g");

/**
 * The line as the filter reads it: NFKC, invisible characters dropped,
 * ideographic full stops made dots, lower case, Cyrillic and Greek
 * look-alikes made Latin.
 */
export function normalise(text: string): string {
  // Printable ASCII has nothing to fold but case: most lines, at a tenth.
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase();
  return text.normalize("NFKC").replace(INVISIBLE, "").replace(/[。｡]/g, ".")
    .toLowerCase().replace(LOOKALIKE, (c) => LOOKALIKES[c]);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Seven digits, the fewest of a phone number, anywhere in a line. */
const SEVEN_DIGITS = /\p{Nd}(?:[^\p{Nd}]*\p{Nd}){6}/u;

/** Whether `text` (normalised) holds a phone number. */
function hasPhone(text: string): boolean {
  for (const [run] of text.matchAll(PHONE_RUN)) {
    const digits = run.replace(/\P{Nd}/gu, "").length;
    if (digits < 7) continue;
    if (DATE.test(run.trim())) continue;
    return true;
  }
  return false;
}

/**
 * A matcher of whole words and phrases from `entries` (one a line of a
 * word list: blank lines and lines starting with `#` are skipped), or
 * `null` when there are none.
 */
export function wordMatcher(entries: readonly string[]): RegExp | null {
  const words = entries.map((e) => normalise(e).trim())
    .filter((e) => e !== "" && !e.startsWith("#"))
    .map((e) =>
      e.split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(String.raw`\s+`)
    );
  if (words.length === 0) return null;
  // Longest first, so that a phrase wins over a word it begins with.
  words.sort((a, b) => b.length - a.length);
  return new RegExp(
    String.raw`(?<![\p{L}\p{N}_])(?:${words.join("|")})(?![\p{L}\p{N}_])`,
    "u",
  );
}

/** Why `text` may not be relayed early, or `null` when it may. */
export function heldBack(text: string, words: RegExp | null): Held | null {
  const line = normalise(text);
  // Each pattern is looked for only where its one sure sign is: a link
  // has a dot, a colon or a spelt "dot"; a handle an @; a phone 7 digits.
  const dotted = line.includes(".") || line.includes(":") ||
    line.includes("dot");
  if (dotted && LINK.test(line)) return "link";
  if (line.includes("@") && HANDLE.test(line)) return "handle";
  if (SEVEN_DIGITS.test(line) && hasPhone(line)) return "phone";
  if (words?.test(line)) return "word";
  return null;
}

/** Options for {@linkcode EarlyFilter}. */
export interface EarlyFilterOptions {
  /** A visitor's first lines of each chat that are looked at; 0: none. */
  lines: number;
  /** Seconds from a chat's start in which lines are looked at; 0: none. */
  seconds: number;
  /** The operator's word list, one entry a line. @default {[]} */
  words?: readonly string[];
}

/** The filter with its options: which lines it looks at, and why it holds one. */
export class EarlyFilter {
  readonly lines: number;
  readonly ms: number;
  #words: RegExp | null;

  constructor(options: EarlyFilterOptions) {
    this.lines = options.lines;
    this.ms = options.seconds * 1000;
    this.#words = wordMatcher(options.words ?? []);
  }

  /** Whether the filter looks at any line at all. */
  get active(): boolean {
    return this.lines > 0 || this.ms > 0;
  }

  /**
   * Why the `nth` line (from 1) a visitor sends in a chat, `elapsed` ms
   * after it began, is held back; `null` when it may be relayed.
   */
  check(text: string, nth: number, elapsed: number): Held | null {
    if (nth > this.lines && elapsed >= this.ms) return null;
    return heldBack(text, this.#words);
  }

  /** The reason told to the sender, never quoting the line. */
  reason(held: Held): string {
    const what = {
      link: "links",
      handle: "@handles",
      phone: "phone numbers",
      word: "some words",
    }[held];
    const when = [
      this.lines > 0 ? `your first ${this.lines} lines` : "",
      this.ms > 0 ? `the first ${this.ms / 1000} seconds` : "",
    ].filter(Boolean).join(" or ");
    return `not sent: ${what} are held back in ${when} of a chat`;
  }
}

/**
 * Reads the word list at `path` (empty: none), once at start; throws with
 * the path when it cannot be read.
 */
export async function readWordList(path: string): Promise<string[]> {
  if (path === "") return [];
  try {
    return (await Deno.readTextFile(path)).split(/\r?\n/);
  } catch (error) {
    throw new Error(`cannot read the word list ${path}`, { cause: error });
  }
}

/** The filter the options name, with its word list read (see `readWordList`). */
export async function earlyFilterOf(
  config: Pick<
    Config,
    "earlyFilterLines" | "earlyFilterSeconds" | "wordListFile"
  >,
): Promise<EarlyFilter> {
  return new EarlyFilter({
    lines: config.earlyFilterLines,
    seconds: config.earlyFilterSeconds,
    words: await readWordList(config.wordListFile),
  });
}
