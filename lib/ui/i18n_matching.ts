/**
 * The texts of matching by interests (the chip input, the wait for a
 * shared interest, what both like, Block), in English and Russian: part of
 * every dictionary of `i18n.ts`, kept here so that each file stays short.
 *
 * @module
 */

import { MAX_INTEREST_LENGTH, MAX_INTERESTS } from "../ws/interests.ts";

/** The texts of matching by interests, in one language. */
export interface MatchingTexts {
  /** The chip input's label. */
  interests: string;
  /** Under the chip input: how it works. */
  interestsHint: string;
  interestsPlaceholder: string;
  /** The accessible name of a chip's remove button. */
  removeInterest: (interest: string) => string;
  /** Why typed text did not become a chip, by `ChipProblem`. */
  chipProblems: Record<"full" | "too_long" | "duplicate", string>;
  /** The checkbox: only people who share my interests. */
  strictInterests: string;
  /** The wait screen, looking only among those who share an interest. */
  waitingShared: string;
  /** The wait screen, interests only, after `MATCH_FALLBACK`. */
  nobodyShared: string;
  talkToAnyone: string;
  /** The log's line: what both like. */
  bothLike: (interests: string) => string;
  /** The log's line: the visitor had interests, nobody shared them. */
  noCommon: string;
  block: string;
  /** Block's accessible name, which says what it does. */
  blockLabel: string;
  /** The log's line once the server took the block. */
  blocked: string;
}

/** English. */
export const MATCHING_EN: MatchingTexts = {
  interests: "Interests (optional)",
  interestsHint:
    "Up to 5, such as music or films: Enter or a comma adds one. We pair you with someone who shares one if they are here.",
  interestsPlaceholder: "Add an interest",
  removeInterest: (interest) => `Remove ${interest}`,
  chipProblems: {
    full: `That is ${MAX_INTERESTS} already: remove one to add another.`,
    too_long: `An interest can be at most ${MAX_INTEREST_LENGTH} characters.`,
    duplicate: "That one is already on your list.",
  },
  strictInterests: "Only people who share my interests",
  waitingShared: "Waiting for someone who shares your interests",
  nobodyShared: "Nobody with these interests is here yet.",
  talkToAnyone: "Talk to anyone",
  bothLike: (interests) => `You both like: ${interests}`,
  noCommon: "Nobody here shared your interests, so this is a random stranger.",
  block: "Block",
  blockLabel: "Block: don't match me with this stranger again",
  blocked: "You won't be matched with this stranger again.",
};

/** Russian. */
export const MATCHING_RU: MatchingTexts = {
  interests: "Интересы (по желанию)",
  interestsHint:
    "До 5, например музыка или кино: Enter или запятая добавляет интерес. Если здесь есть кто-то с общим интересом, мы соединим вас с ним.",
  interestsPlaceholder: "Добавьте интерес",
  removeInterest: (interest) => `Удалить: ${interest}`,
  chipProblems: {
    full: `Уже ${MAX_INTERESTS}: удалите один, чтобы добавить другой.`,
    too_long: `Интерес может быть не длиннее ${MAX_INTEREST_LENGTH} символов.`,
    duplicate: "Этот интерес уже есть в списке.",
  },
  strictInterests: "Только те, у кого есть общие со мной интересы",
  waitingShared: "Ожидание собеседника с общими интересами",
  nobodyShared: "Пока здесь нет никого с такими интересами.",
  talkToAnyone: "Общаться с кем угодно",
  bothLike: (interests) => `Вам обоим нравится: ${interests}`,
  noCommon:
    "Никто здесь не разделил ваших интересов, поэтому это случайный собеседник.",
  block: "Заблокировать",
  blockLabel: "Заблокировать: больше не соединять меня с этим собеседником",
  blocked: "Вас больше не соединят с этим собеседником.",
};
