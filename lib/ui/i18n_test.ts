import assert from "node:assert/strict";
import { CLOSE, ERROR_CODES } from "../ws/protocol.ts";
import {
  closeText,
  DICTIONARIES,
  errorText,
  langCookie,
  pickLanguage,
} from "./i18n.ts";

Deno.test("pickLanguage() prefers the cookie over Accept-Language", () => {
  assert.deepEqual(pickLanguage("en-US,en;q=0.9", "lang=ru"), "ru");
  assert.deepEqual(pickLanguage("ru-RU,ru;q=0.9", "theme=dark; lang=en"), "en");
  assert.deepEqual(pickLanguage("ru", "en"), "en");
  assert.deepEqual(pickLanguage("en", "RU"), "ru");
});

Deno.test("pickLanguage() reads Accept-Language weights", () => {
  assert.deepEqual(pickLanguage("ru-RU,ru;q=0.9,en-US;q=0.8", null), "ru");
  assert.deepEqual(
    pickLanguage("de-DE,de;q=0.9,ru;q=0.5,en;q=0.7", null),
    "en",
  );
  assert.deepEqual(pickLanguage("de, ru;q=0.3", null), "ru");
  assert.deepEqual(pickLanguage("ru;q=0, en;q=0.1", null), "en");
});

Deno.test("pickLanguage() falls back to English", () => {
  assert.deepEqual(pickLanguage(null, null), "en");
  assert.deepEqual(pickLanguage("", ""), "en");
  assert.deepEqual(pickLanguage("de-DE,fr;q=0.5", "lang=de"), "en");
  assert.deepEqual(pickLanguage("*", "garbage"), "en");
});

Deno.test("DICTIONARIES have the same keys and error codes", () => {
  const en = DICTIONARIES.en;
  const ru = DICTIONARIES.ru;
  assert.deepEqual(
    Object.keys(ru).sort().join(),
    Object.keys(en).sort().join(),
  );
  assert.deepEqual(
    Object.keys(ru.errors).sort().join(),
    Object.keys(en.errors).sort().join(),
  );
  assert.deepEqual(
    Object.keys(ru.closes).sort().join(),
    Object.keys(en.closes).sort().join(),
  );
  for (const code of ERROR_CODES) {
    assert.ok(en.errors[code] && ru.errors[code], code);
  }
  for (const { code } of Object.values(CLOSE)) {
    assert.ok(en.closes[code] && ru.closes[code], `close ${code}`);
  }
});

Deno.test("DICTIONARIES keep the original widget's texts", () => {
  const en = DICTIONARIES.en;
  const ru = DICTIONARIES.ru;
  assert.deepEqual(en.start, "Start chat");
  assert.deepEqual(en.connecting, "Connecting to server");
  assert.deepEqual(en.waiting, "Waiting for a partner");
  assert.deepEqual(en.found, "Partner found, say hi");
  assert.deepEqual(en.chatClosed, "Chat closed");
  assert.deepEqual(en.ended, "Conversation ended.");
  assert.deepEqual(en.startAgain, "Start again");
  assert.deepEqual(ru.start, "Начать чат");
  assert.deepEqual(ru.connecting, "Подключение к серверу");
  assert.deepEqual(ru.waiting, "Ожидание собеседника");
  assert.deepEqual(ru.ended, "Разговор закончен.");
  assert.deepEqual(ru.startAgain, "Начать заново");
  assert.deepEqual(ru.notifier, "***СООБЩЕНИЕ***");
});

Deno.test("errorText() and closeText() translate known codes", () => {
  assert.deepEqual(
    errorText(DICTIONARIES.en, "rate_limited"),
    "You are sending too fast, slow down a little.",
  );
  assert.deepEqual(
    errorText(DICTIONARIES.en, "toString"),
    "Server error (toString).",
  );
  assert.deepEqual(closeText(DICTIONARIES.ru, 4000), "Собеседник ушёл.");
  assert.deepEqual(
    closeText(DICTIONARIES.en, 4999),
    "The connection was closed (4999).",
  );
  assert.deepEqual(
    DICTIONARIES.en.reconnecting(3),
    "Connection lost, reconnecting in 3 s…",
  );
});

Deno.test("langCookie() keeps the choice for a year on the whole site", () => {
  assert.deepEqual(
    langCookie("ru"),
    "lang=ru; Path=/; Max-Age=31536000; SameSite=Lax",
  );
});
