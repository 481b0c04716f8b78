/**
 * Every text of the chat UI, one dictionary per language (English and the
 * original widget's Russian), and the choice of language from the `lang`
 * cookie or `Accept-Language`.
 *
 * @module
 */

import { CLOSE, WS_CLOSE } from "../ws/protocol.ts";
import {
  MATCHING_EN,
  MATCHING_RU,
  type MatchingTexts,
} from "./i18n_matching.ts";
import * as resume from "./i18n_resume.ts";
import * as safety from "./i18n_safety.ts";

/** A language the UI speaks. */
export type Lang = "en" | "ru";

/** Every language, the default first. */
export const LANGS: readonly Lang[] = ["en", "ru"];

/** The texts of the chat UI in one language. */
export interface Dictionary
  extends MatchingTexts, safety.SafetyTexts, resume.ResumeTexts {
  /** BCP 47 tag, for `<html lang>` and time formatting. */
  lang: Lang;
  /** The language's own name, for the switch. */
  name: string;
  appName: string;
  tagline: string;
  welcomeTitle: string;
  welcome: readonly string[];
  /** The idle screen's line under the headline. */
  lead: string;
  /** The link to the site's terms (`TERMS_URL`). */
  terms: string;
  notFoundTitle: string;
  notFoundText: string;
  notFoundLink: string;
  start: string;
  tryAgain: string;
  pleaseWait: string;
  connecting: string;
  waiting: string;
  cancel: string;
  /** The placeholder where Enter sends (a keyboard). */
  placeholder: string;
  /** The placeholder on phones: Enter makes a new line, Send sends. */
  placeholderTouch: string;
  messageLabel: string;
  send: string;
  end: string;
  next: string;
  escHint: string;
  found: string;
  chatClosed: string;
  ended: string;
  startAgain: string;
  typing: string;
  me: string;
  /** Said of our line until the server echoes it. */
  pending: string;
  /** Said of our line when the chat ended before its echo. */
  undelivered: string;
  /** The counter near the length limit. */
  charsLeft: (left: number) => string;
  /** Why our line came back into the message box. */
  refusedLine: (reason: string) => string;
  /** Why a handshake was refused, by the admission route's reason. */
  refusals: Record<string, string>;
  unknownRefusal: (reason: string) => string;
  /** Start while the server cannot be reached. */
  serverDown: string;
  /** The wait screen's label after a refusal or with the server down. */
  retryingIn: (seconds: number) => string;
  save: string;
  /** The saved conversation's first line. */
  transcriptTitle: (date: string) => string;
  alerts: string;
  newMessage: string;
  guest: string;
  logLabel: string;
  online: (count: number) => string;
  reconnecting: (seconds: number) => string;
  retryNow: string;
  notifier: string;
  switchLanguage: string;
  errors: Record<string, string>;
  unknownError: (code: string) => string;
  closes: Record<number, string>;
  unknownClose: (code: number) => string;
}

const en: Dictionary = {
  ...MATCHING_EN,
  ...safety.SAFETY_EN,
  ...resume.RESUME_EN,
  lang: "en",
  name: "English",
  appName: "Strangers",
  tagline: "Anonymous one-to-one chat",
  welcomeTitle: "Welcome to our chat!",
  welcome: [
    "Press “Start chat”: you are paired with the next visitor who is waiting.",
    "Say hi. Press “Next” for someone new, or “End conversation” to stop.",
    "Nothing is saved: no sign-up, no names, no history.",
  ],
  lead: "A random, anonymous, one-to-one text chat.",
  terms: "Terms and privacy",
  notFoundTitle: "Not found",
  notFoundText: "There is nothing at this address.",
  notFoundLink: "Start a chat with a stranger",
  start: "Start chat",
  tryAgain: "Try again",
  pleaseWait: "Please wait",
  connecting: "Connecting to server",
  waiting: "Waiting for a partner",
  cancel: "Cancel",
  placeholder: "Type a message (Enter sends, Shift+Enter: new line)",
  placeholderTouch: "Type a message",
  messageLabel: "Message",
  send: "Send",
  end: "End conversation",
  next: "Next",
  escHint: "Esc twice ends the chat",
  found: "Partner found, say hi",
  chatClosed: "Chat closed",
  ended: "Conversation ended.",
  startAgain: "Start again",
  typing: "Stranger is typing…",
  me: "You",
  pending: "sending…",
  undelivered: "not delivered",
  charsLeft: (left) =>
    left >= 0 ? `${left} characters left` : `${-left} characters too many`,
  refusedLine: (reason) => `Not sent: ${reason}`,
  refusals: {
    too_many_sockets: "Too many chat tabs are open from your network.",
    too_many_handshakes: "Too many connection attempts from your network.",
    server_full: "The chat is full right now.",
    shutting_down: "The server is restarting.",
    origin_not_allowed: "This page may not connect to the chat server.",
  },
  unknownRefusal: (reason) =>
    `The server turned the connection away (${reason}).`,
  serverDown: "The server cannot be reached right now.",
  retryingIn: (s) => `Trying again in ${s} s…`,
  save: "Save conversation",
  transcriptTitle: (date) => `Strangers: conversation of ${date}`,
  alerts: "Sound and notifications",
  newMessage: "New message from a stranger",
  guest: "Stranger",
  logLabel: "Conversation",
  online: (count) => `${count} online`,
  reconnecting: (s) => `Connection lost, reconnecting in ${s} s…`,
  retryNow: "Retry now",
  notifier: "***MESSAGE***",
  switchLanguage: "Switch language",
  errors: {
    bad_json: "The server could not read a message from this page.",
    bad_frame: "The server received a malformed message.",
    unknown_type: "The server did not understand a request.",
    empty_message: "Empty messages are not sent.",
    message_too_long: "That message is too long.",
    binary_not_supported: "Only text messages are supported.",
    not_paired: "You are not in a conversation right now.",
    already_requested: "You are already looking for a partner.",
    already_present: "This page already said it is open.",
    rate_limited: "You are sending too fast, slow down a little.",
    unavailable: "The chat service is unavailable right now.",
    not_delivered: "Your last messages could not be delivered.",
    bad_interests: "The server did not accept your interests.",
    nothing_to_block: "There is nobody to block.",
    not_waiting: "You are not waiting for a partner right now.",
    ...safety.SAFETY_ERRORS_EN,
    ...resume.RESUME_ERRORS_EN,
  },
  unknownError: (code) => `Server error (${code}).`,
  closes: {
    [CLOSE.goingAway.code]: "The server is restarting.",
    [WS_CLOSE.abnormal]: "The connection was lost.",
    [CLOSE.policy.code]: "Too many messages: the server closed the connection.",
    [CLOSE.tooBig.code]:
      "That message was too big: the server closed the connection.",
    [CLOSE.backend.code]:
      "The chat service is unavailable. Please try again later.",
    [CLOSE.partnerLeft.code]: "Your partner left.",
    [CLOSE.requestTimeout.code]: "The server waited too long for this page.",
    [CLOSE.slowReader.code]: "The connection was too slow.",
    ...safety.SAFETY_CLOSES_EN,
    ...resume.RESUME_CLOSES_EN,
  },
  unknownClose: (code) => `The connection was closed (${code}).`,
};

const ru: Dictionary = {
  ...MATCHING_RU,
  ...safety.SAFETY_RU,
  ...resume.RESUME_RU,
  lang: "ru",
  name: "Русский",
  appName: "Незнакомцы",
  tagline: "Анонимный чат один на один",
  welcomeTitle: "Добро пожаловать в наш чат!",
  welcome: [
    "Нажмите «Начать чат»: система подберёт вам следующего ожидающего собеседника.",
    "Поздоровайтесь. «Следующий» — найти нового собеседника, «Закончить разговор» — выйти.",
    "Ничего не сохраняется: ни регистрации, ни имён, ни истории.",
  ],
  lead: "Случайный анонимный текстовый чат один на один.",
  terms: "Условия и конфиденциальность",
  notFoundTitle: "Страница не найдена",
  notFoundText: "По этому адресу ничего нет.",
  notFoundLink: "Начать чат с незнакомцем",
  start: "Начать чат",
  tryAgain: "Попробовать снова",
  pleaseWait: "Подождите",
  connecting: "Подключение к серверу",
  waiting: "Ожидание собеседника",
  cancel: "Отмена",
  placeholder:
    "Введите сообщение (Enter — отправить, Shift+Enter — новая строка)",
  placeholderTouch: "Введите сообщение",
  messageLabel: "Сообщение",
  send: "Отправить",
  end: "Закончить разговор",
  next: "Следующий",
  escHint: "Дважды Esc завершает чат",
  found: "Собеседник найден — общайтесь",
  chatClosed: "Чат закрыт",
  ended: "Разговор закончен.",
  startAgain: "Начать заново",
  typing: "Собеседник печатает…",
  me: "Вы",
  pending: "отправляется…",
  undelivered: "не доставлено",
  charsLeft: (left) =>
    left >= 0 ? `Осталось символов: ${left}` : `Лишних символов: ${-left}`,
  refusedLine: (reason) => `Не отправлено: ${reason}`,
  refusals: {
    too_many_sockets: "Из вашей сети открыто слишком много вкладок чата.",
    too_many_handshakes: "Слишком много попыток подключения из вашей сети.",
    server_full: "Чат сейчас переполнен.",
    shutting_down: "Сервер перезапускается.",
    origin_not_allowed: "Этой странице нельзя подключаться к серверу чата.",
  },
  unknownRefusal: (reason) => `Сервер отклонил подключение (${reason}).`,
  serverDown: "Сервер сейчас недоступен.",
  retryingIn: (s) => `Новая попытка через ${s} с…`,
  save: "Сохранить переписку",
  transcriptTitle: (date) => `Незнакомцы: переписка от ${date}`,
  alerts: "Звук и уведомления",
  newMessage: "Новое сообщение от собеседника",
  guest: "Собеседник",
  logLabel: "Переписка",
  online: (count) => `В сети: ${count}`,
  reconnecting: (s) => `Соединение потеряно, переподключение через ${s} с…`,
  retryNow: "Подключиться сейчас",
  notifier: "***СООБЩЕНИЕ***",
  switchLanguage: "Сменить язык",
  errors: {
    bad_json: "Сервер не смог прочитать сообщение от этой страницы.",
    bad_frame: "Сервер получил повреждённое сообщение.",
    unknown_type: "Сервер не понял запрос.",
    empty_message: "Пустые сообщения не отправляются.",
    message_too_long: "Сообщение слишком длинное.",
    binary_not_supported: "Поддерживаются только текстовые сообщения.",
    not_paired: "Сейчас вы ни с кем не общаетесь.",
    already_requested: "Вы уже ищете собеседника.",
    already_present: "Эта страница уже сообщила, что открыта.",
    rate_limited: "Вы пишете слишком быстро, немного помедленнее.",
    unavailable: "Сервис чата сейчас недоступен.",
    not_delivered: "Последние сообщения не удалось доставить.",
    bad_interests: "Сервер не принял ваши интересы.",
    nothing_to_block: "Некого блокировать.",
    not_waiting: "Вы сейчас не ждёте собеседника.",
    ...safety.SAFETY_ERRORS_RU,
    ...resume.RESUME_ERRORS_RU,
  },
  unknownError: (code) => `Ошибка сервера (${code}).`,
  closes: {
    [CLOSE.goingAway.code]: "Сервер перезапускается.",
    [WS_CLOSE.abnormal]: "Соединение потеряно.",
    [CLOSE.policy.code]: "Слишком много сообщений: сервер закрыл соединение.",
    [CLOSE.tooBig.code]: "Сообщение слишком большое: сервер закрыл соединение.",
    [CLOSE.backend.code]: "Сервис чата недоступен. Попробуйте позже.",
    [CLOSE.partnerLeft.code]: "Собеседник ушёл.",
    [CLOSE.requestTimeout.code]: "Сервер не дождался запроса от этой страницы.",
    [CLOSE.slowReader.code]: "Соединение слишком медленное.",
    ...safety.SAFETY_CLOSES_RU,
    ...resume.RESUME_CLOSES_RU,
  },
  unknownClose: (code) => `Соединение закрыто (${code}).`,
};

/** The dictionaries, keyed by language. */
export const DICTIONARIES: Readonly<Record<Lang, Dictionary>> = { en, ru };

/** The readable text for an `error` frame's code. */
export function errorText(dict: Dictionary, code: string): string {
  return Object.hasOwn(dict.errors, code)
    ? dict.errors[code]
    : dict.unknownError(code);
}

/** What both like, or that nobody shared the visitor's interests. */
export function commonText(
  dict: Dictionary,
  common: readonly string[],
): string {
  return common.length > 0 ? dict.bothLike(common.join(", ")) : dict.noCommon;
}

/** The readable text for a WebSocket close code. */
export function closeText(dict: Dictionary, code: number): string {
  return Object.hasOwn(dict.closes, code)
    ? dict.closes[code]
    : dict.unknownClose(code);
}

/** The readable text for a refused handshake's reason. */
export function refusalText(dict: Dictionary, reason: string): string {
  return Object.hasOwn(dict.refusals, reason)
    ? dict.refusals[reason]
    : dict.unknownRefusal(reason);
}

/** Whether a value names a supported language. */
export function isLang(value: unknown): value is Lang {
  return value === "en" || value === "ru";
}

function cookieLang(cookie: string | null): Lang | null {
  if (!cookie) return null;
  const bare = cookie.trim().toLowerCase();
  if (isLang(bare)) return bare;
  for (const part of cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== "lang") continue;
    const value = part.slice(eq + 1).trim().toLowerCase();
    if (isLang(value)) return value;
  }
  return null;
}

function acceptLang(header: string | null): Lang | null {
  if (!header) return null;
  let best: Lang | null = null;
  let bestQ = 0;
  for (const item of header.split(",")) {
    const [range, ...params] = item.trim().toLowerCase().split(";");
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split("=");
      if (k === "q") q = Number(v);
    }
    if (!(q > 0)) continue;
    const primary = range.trim().split("-")[0];
    const lang = isLang(primary) ? primary : null;
    if (lang && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}

/**
 * Picks the UI language: the `lang` cookie wins (either the whole `Cookie`
 * header or just its value), then the best-weighted of `en`/`ru` in
 * `Accept-Language`, then English.
 */
export function pickLanguage(
  acceptLanguage: string | null,
  cookie: string | null,
): Lang {
  return cookieLang(cookie) ?? acceptLang(acceptLanguage) ?? "en";
}

/** The `Set-Cookie` value that keeps a language choice for a year. */
export function langCookie(lang: Lang): string {
  return `lang=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`;
}
