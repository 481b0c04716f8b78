/**
 * The texts of safety (Report, the ban screen, the early-link filter, the
 * bot check and the age gate), in English and Russian: part of every
 * dictionary of `i18n.ts`, kept here so that each file stays short.
 *
 * @module
 */

import { CLOSE } from "../ws/protocol.ts";
import type { ReportReason } from "./report.ts";

/** The texts of safety, in one language. */
export interface SafetyTexts {
  /** The Report button. */
  report: string;
  /** Its accessible name and the dialog's title. */
  reportTitle: string;
  /** The reasons' group. */
  reportWhy: string;
  /** Each reason, in the order the dialog lists them. */
  reportReasons: Record<ReportReason, string>;
  /** The note's label. */
  reportNote: string;
  /** What the report carries, and that it ends the chat. */
  reportIncludes: string;
  reportSend: string;
  reportSending: string;
  /** Shown once the server took the report. */
  reportSent: string;
  /** The report could not reach the server. */
  reportFailed: string;
  /** The ban screen's headline. */
  bannedTitle: string;
  /** Under it, before the server's reason. */
  bannedText: string;
  /** The way back to the start screen. */
  bannedBack: string;
  /** The wait screen while the bot check runs. */
  checkingBot: string;
  /** The bot check could not run in this browser. */
  checkFailed: string;
  /** The age gate's checkbox, before the terms link (or alone). */
  ageGate: string;
  /** The link's words at the end of the checkbox's label. */
  ageGateTerms: string;
}

/** English. */
export const SAFETY_EN: SafetyTexts = {
  report: "Report",
  reportTitle: "Report this stranger",
  reportWhy: "What is wrong?",
  reportReasons: {
    spam: "Spam, scams or advertising",
    harassment: "Harassment, threats or hate",
    sexual: "Unwanted sexual content",
    underage: "Looks under 18",
    other: "Something else",
  },
  reportNote: "Anything to add? (optional)",
  reportIncludes:
    "The report carries the chat's last lines as this page shows them. Sending it ends the chat.",
  reportSend: "Send report",
  reportSending: "Sending…",
  reportSent: "Thanks — your report was sent. The chat has ended.",
  reportFailed: "The report could not be sent. Please try again.",
  bannedTitle: "You can't chat here right now",
  bannedText: "The server says:",
  bannedBack: "Back to start",
  checkingBot: "Checking you're not a bot…",
  checkFailed:
    "The check could not run in this browser. Cancel and try again later.",
  ageGate: "I am 18 or older and accept",
  ageGateTerms: "the terms",
};

/** Russian. */
export const SAFETY_RU: SafetyTexts = {
  report: "Пожаловаться",
  reportTitle: "Пожаловаться на собеседника",
  reportWhy: "Что не так?",
  reportReasons: {
    spam: "Спам, мошенничество или реклама",
    harassment: "Оскорбления, угрозы или ненависть",
    sexual: "Непрошеный сексуальный контент",
    underage: "Похоже, младше 18 лет",
    other: "Другое",
  },
  reportNote: "Что-нибудь добавить? (необязательно)",
  reportIncludes:
    "К жалобе приложатся последние строки чата в том виде, как их показывает эта страница. Отправка завершит чат.",
  reportSend: "Отправить жалобу",
  reportSending: "Отправляется…",
  reportSent: "Спасибо — жалоба отправлена. Чат завершён.",
  reportFailed: "Не удалось отправить жалобу. Попробуйте ещё раз.",
  bannedTitle: "Сейчас вы не можете общаться здесь",
  bannedText: "Сообщение сервера:",
  bannedBack: "На главную",
  checkingBot: "Проверяем, что вы не бот…",
  checkFailed:
    "Проверка не запустилась в этом браузере. Отмените и попробуйте позже.",
  ageGate: "Мне 18 лет или больше, и я принимаю",
  ageGateTerms: "условия",
};

/** The safety codes' texts of `Dictionary.errors`, in English. */
export const SAFETY_ERRORS_EN: Record<string, string> = {
  bad_report: "The server did not accept the report.",
  nothing_to_report: "There is no recent chat to report.",
  filtered:
    "Links, @handles and phone numbers are held back in the first lines of a chat.",
  pow_required: "The server asks this browser for a quick check first.",
  pow_invalid: "The check did not pass; trying again.",
};

/** The safety codes' texts of `Dictionary.errors`, in Russian. */
export const SAFETY_ERRORS_RU: Record<string, string> = {
  bad_report: "Сервер не принял жалобу.",
  nothing_to_report: "Нет недавнего чата, на который можно пожаловаться.",
  filtered:
    "Ссылки, @имена и номера телефонов не пересылаются в первых строках чата.",
  pow_required: "Сервер просит этот браузер пройти быструю проверку.",
  pow_invalid: "Проверка не прошла, пробуем ещё раз.",
};

/** The safety close codes' texts of `Dictionary.closes`, in English. */
export const SAFETY_CLOSES_EN: Record<number, string> = {
  [CLOSE.banned.code]: SAFETY_EN.bannedTitle + ".",
  [CLOSE.reported.code]: "You reported this stranger.",
};

/** The safety close codes' texts of `Dictionary.closes`, in Russian. */
export const SAFETY_CLOSES_RU: Record<number, string> = {
  [CLOSE.banned.code]: SAFETY_RU.bannedTitle + ".",
  [CLOSE.reported.code]: "Вы пожаловались на собеседника.",
};
