import {
  closeText,
  DICTIONARIES,
  errorText,
  langCookie,
  pickLanguage,
} from "../lib/i18n.ts";

function assertEquals(actual: unknown, expected: unknown, message = "") {
  if (actual !== expected) {
    throw new Error(`${message} actual ${actual}, expected ${expected}`);
  }
}

Deno.test("pickLanguage() prefers the cookie over Accept-Language", () => {
  assertEquals(pickLanguage("en-US,en;q=0.9", "lang=ru"), "ru");
  assertEquals(pickLanguage("ru-RU,ru;q=0.9", "theme=dark; lang=en"), "en");
  assertEquals(pickLanguage("ru", "en"), "en");
  assertEquals(pickLanguage("en", "RU"), "ru");
});

Deno.test("pickLanguage() reads Accept-Language weights", () => {
  assertEquals(pickLanguage("ru-RU,ru;q=0.9,en-US;q=0.8", null), "ru");
  assertEquals(pickLanguage("de-DE,de;q=0.9,ru;q=0.5,en;q=0.7", null), "en");
  assertEquals(pickLanguage("de, ru;q=0.3", null), "ru");
  assertEquals(pickLanguage("ru;q=0, en;q=0.1", null), "en");
});

Deno.test("pickLanguage() falls back to English", () => {
  assertEquals(pickLanguage(null, null), "en");
  assertEquals(pickLanguage("", ""), "en");
  assertEquals(pickLanguage("de-DE,fr;q=0.5", "lang=de"), "en");
  assertEquals(pickLanguage("*", "garbage"), "en");
});

Deno.test("DICTIONARIES have the same keys and error codes", () => {
  const en = DICTIONARIES.en;
  const ru = DICTIONARIES.ru;
  assertEquals(Object.keys(ru).sort().join(), Object.keys(en).sort().join());
  assertEquals(
    Object.keys(ru.errors).sort().join(),
    Object.keys(en.errors).sort().join(),
  );
  assertEquals(
    Object.keys(ru.closes).sort().join(),
    Object.keys(en.closes).sort().join(),
  );
  for (
    const code of [
      "bad_json",
      "bad_frame",
      "unknown_type",
      "empty_message",
      "message_too_long",
      "binary_not_supported",
      "not_paired",
      "already_requested",
      "rate_limited",
      "unavailable",
    ]
  ) {
    if (!en.errors[code] || !ru.errors[code]) throw new Error(code);
  }
});

Deno.test("DICTIONARIES keep the original widget's texts", () => {
  const en = DICTIONARIES.en;
  const ru = DICTIONARIES.ru;
  assertEquals(en.start, "Start chat");
  assertEquals(en.connecting, "Connecting to server");
  assertEquals(en.waiting, "Waiting for a partner");
  assertEquals(en.found, "Partner found, say hi");
  assertEquals(en.chatClosed, "Chat closed");
  assertEquals(en.ended, "Conversation ended.");
  assertEquals(en.startAgain, "Start again");
  assertEquals(ru.start, "Начать чат");
  assertEquals(ru.connecting, "Подключение к серверу");
  assertEquals(ru.waiting, "Ожидание собеседника");
  assertEquals(ru.ended, "Разговор закончен.");
  assertEquals(ru.startAgain, "Начать заново");
  assertEquals(ru.notifier, "***СООБЩЕНИЕ***");
});

Deno.test("errorText() and closeText() translate known codes", () => {
  assertEquals(
    errorText(DICTIONARIES.en, "rate_limited"),
    "You are sending too fast, slow down a little.",
  );
  assertEquals(
    errorText(DICTIONARIES.en, "toString"),
    "Server error (toString).",
  );
  assertEquals(closeText(DICTIONARIES.ru, 4000), "Собеседник ушёл.");
  assertEquals(
    closeText(DICTIONARIES.en, 4999),
    "The connection was closed (4999).",
  );
  assertEquals(
    DICTIONARIES.en.reconnecting(3),
    "Connection lost, reconnecting in 3 s…",
  );
});

Deno.test("langCookie() keeps the choice for a year on the whole site", () => {
  assertEquals(
    langCookie("ru"),
    "lang=ru; Path=/; Max-Age=31536000; SameSite=Lax",
  );
});
