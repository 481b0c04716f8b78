/**
 * Who may meet whom, as keys the queue is indexed by. Pure: the backends
 * only store waiters under keys and look them up, so one rule holds in
 * memory, in Redis and in Deno KV, and finding a partner costs about the
 * number of the visitor's interests, not the length of the queue.
 *
 * A waiter is listed under the keys where others find it; a requester looks
 * under keys in tiers and takes the longest waiter of the first tier that
 * has one (its own language's keys are a tier before the others'). While its preferences hold (the first `MATCH_FALLBACK` seconds),
 * a visitor with interests is found only under `i:<lang>:<interest>`, one
 * without under `n:<lang>`: it meets only someone who shares an interest,
 * or who has none, in its language. Then it falls back: it is found under
 * `i:*:<interest>` (still preferred by those who share one) and `n:*`
 * (anyone), and looks there too. A visitor who sent no language (`*`) is
 * open on language from the start; `?` lists waiters of a known language
 * who accept one with none. With `MATCH_STRICT_LANGUAGE`, the language
 * never falls back and an unknown language is a language of its own.
 *
 * @module
 */

import type { MatchTicket } from "./backends/backend.ts";
import type { OptionSpec } from "./ops/config.ts";

/** What a visitor asked for, as the switchboard keeps it. */
export interface Preferences {
  /** Normalised interests, at most five. */
  interests: readonly string[];
  /** The primary language subtag, or `*` for none given. */
  lang: string;
  /** Interests only: never fall back to anyone. */
  strict: boolean;
}

/** The bare request of the original widget: anyone, first come. */
export const ANYONE: Preferences = { interests: [], lang: "*", strict: false };

/** Where a waiter is listed and where a requester looks, in tiers. */
export interface MatchKeys {
  look: string[][];
  list: string[];
}

/** The matching options, part of the server's `Config`. */
export interface MatchConfig {
  /** Seconds before preferences fall back to anyone. */
  matchFallback: number;
  /** Languages never fall back. */
  matchStrictLanguage: boolean;
  /** Recent partners a visitor does not meet again for 10 minutes. */
  matchRecentPartners: number;
  /**
   * With a shared backend, milliseconds by which a waiter on the
   * requester's own instance may have asked after the longest waiter and
   * still be taken first; 0: strictly the longest.
   */
  matchLocalWindow: number;
}

/** The matching rows of the option table (`--help`, README). */
export const MATCH_OPTIONS: readonly OptionSpec[] = [
  {
    key: "matchFallback",
    env: "MATCH_FALLBACK",
    flag: "--match-fallback",
    kind: "int",
    default: "10",
    help:
      "seconds a visitor waits for someone sharing an interest (and its language) before anyone will do; 0: at once",
  },
  {
    key: "matchStrictLanguage",
    env: "MATCH_STRICT_LANGUAGE",
    flag: "--match-strict-language",
    kind: "bool",
    default: "false",
    help:
      "pair only visitors of the same page language, even after the fallback",
  },
  {
    key: "matchRecentPartners",
    env: "MATCH_RECENT_PARTNERS",
    flag: "--match-recent-partners",
    kind: "int",
    default: "3",
    help:
      "a visitor's last partners it is not paired with again for 10 minutes (blocks hold regardless); 0: none",
  },
  {
    key: "matchLocalWindow",
    env: "MATCH_LOCAL_WINDOW",
    flag: "--match-local-window",
    kind: "int",
    default: "50",
    help:
      "with Redis or Deno KV, ms a waiter on the asker's own instance may trail the longest waiter and still go first (chats stay local); 0: strict order",
  },
];

/**
 * The keys for a visitor with `prefs`: before the fallback (`fallen`
 * false) or after it.
 */
export function matchKeys(
  prefs: Preferences,
  fallen: boolean,
  strictLanguage: boolean,
): MatchKeys {
  const { interests, lang } = prefs;
  const open = !strictLanguage;
  // Languages whose listings accept this visitor, its own first: a tier
  // each, so that the same language is preferred.
  const langs = !open ? [lang] : lang === "*" ? ["*", "?"] : [lang, "*"];
  const byInterest = (l: string) => interests.map((i) => `i:${l}:${i}`);
  const lookInterests = langs.map(byInterest);
  const lookAnyone = langs.map((l) => [`n:${l}`]);
  if (!fallen) {
    const mine = open && lang !== "*" ? [lang, "?"] : [lang];
    return interests.length > 0
      ? { look: lookInterests, list: mine.flatMap(byInterest) }
      : { look: lookAnyone, list: mine.map((l) => `n:${l}`) };
  }
  const wide = open ? "*" : lang;
  const list = byInterest(wide);
  if (prefs.strict && interests.length > 0) {
    return { look: lookInterests, list };
  }
  return {
    look: [...(interests.length > 0 ? lookInterests : []), ...lookAnyone],
    list: [...list, `n:${wide}`],
  };
}

/** Who asks, besides what: for {@linkcode matchTicket}. */
export interface Asker {
  identity: string;
  avoid: readonly string[];
  since: number;
  /** Who a report against it would be about. @default {[]} */
  subjects?: readonly string[];
  /**
   * Shadowbanned: its keys carry {@linkcode SHADOW}, so that it finds and
   * is found by the shadowbanned only, on every backend. @default {false}
   */
  shadow?: boolean;
}

/** What the keys of a shadowbanned visitor begin with. */
export const SHADOW = "x|";

/** The ticket a backend matches with: `asker` with `prefs`, fallen back or not. */
export function matchTicket(
  asker: Asker,
  prefs: Preferences,
  fallen = false,
  strictLanguage = false,
): MatchTicket {
  const { subjects = [], shadow = false, ...who } = asker;
  const keys = matchKeys(prefs, fallen, strictLanguage);
  return {
    ...who,
    interests: prefs.interests,
    lang: prefs.lang,
    subjects,
    ...(shadow ? shadowed(keys) : keys),
  };
}

/** `keys` in the shadowbanned visitors' own pool. */
function shadowed(keys: MatchKeys): MatchKeys {
  return {
    look: keys.look.map((tier) => tier.map((key) => SHADOW + key)),
    list: keys.list.map((key) => SHADOW + key),
  };
}

/**
 * Whether the keys change when `prefs` fall back: if not, no fallback timer
 * is needed (the widget's bare request, for one).
 */
export function fallsBack(
  prefs: Preferences,
  strictLanguage: boolean,
): boolean {
  return prefs.interests.length > 0 || (!strictLanguage && prefs.lang !== "*");
}

/** How a pair came about, for the metrics: never which interest. */
export type PairKind = "interest" | "language" | "fallback" | "plain";

/**
 * `interest` if they share one; `language` if neither had interests and
 * both the same language; `fallback` if either wanted something it did not
 * get; `plain` if neither asked for anything.
 */
export function pairKind(
  common: readonly string[],
  mine: Pick<Preferences, "interests" | "lang">,
  theirs: Pick<Preferences, "interests" | "lang">,
): PairKind {
  if (common.length > 0) return "interest";
  if (mine.interests.length > 0 || theirs.interests.length > 0) {
    return "fallback";
  }
  if (mine.lang !== "*" && mine.lang === theirs.lang) return "language";
  return mine.lang !== "*" || theirs.lang !== "*" ? "fallback" : "plain";
}
