import assert from "node:assert/strict";
import {
  commonInterests,
  MAX_INTERESTS,
  normalizeInterest,
  parseInterests,
  parseLanguage,
} from "./interests.ts";
import { parseClientFrame } from "./protocol.ts";

Deno.test("normalizeInterest(): NFKC, lower case, trimmed, spaces collapsed, invisibles gone", () => {
  assert.equal(normalizeInterest("  Rock \t n   ROLL "), "rock n roll");
  assert.equal(normalizeInterest("films\tand\nTV"), "films and tv");
  assert.equal(normalizeInterest("a \u200B b"), "a b");
  assert.equal(normalizeInterest("Ｍｕｓｉｃ"), "music", "full width folds");
  assert.equal(normalizeInterest("mu\u200Bsic\u0007"), "music");
  assert.equal(normalizeInterest("\u202Ecats\u2066"), "cats", "bidi controls");
  assert.equal(normalizeInterest("ＫＰＯＰ ﾃﾞｨｽｺ"), "kpop ディスコ");
  assert.equal(normalizeInterest("Кино"), "кино");
  assert.equal(normalizeInterest("x".repeat(32)), "x".repeat(32));
  assert.equal(
    normalizeInterest("🎸".repeat(32)),
    "🎸".repeat(32),
    "code points",
  );
  for (const empty of ["", "   ", "\u200B\u200D", "\u3164", "\n\t"]) {
    assert.equal(normalizeInterest(empty), null, JSON.stringify(empty));
  }
  assert.equal(normalizeInterest("x".repeat(33)), null);
  assert.equal(normalizeInterest("x".repeat(10_000)), null);
});

Deno.test("parseInterests() drops duplicates after normalising and keeps the order", () => {
  assert.deepEqual(parseInterests(["Music", " music ", "Films", "MUSIC"]), {
    ok: true,
    interests: ["music", "films"],
  });
  assert.deepEqual(parseInterests([]), { ok: true, interests: [] });
});

Deno.test("request refuses hostile interests with bad_interests and never throws", () => {
  const hostile: unknown[] = [
    Array.from({ length: 200 }, (_, i) => `i${i}`),
    Array(MAX_INTERESTS + 1).fill("music"),
    ["x".repeat(10_240)],
    [42],
    [["music"]],
    [{ toString: "music" }],
    [null],
    ["music", ""],
    "music",
    { __proto__: { polluted: true }, 0: "music", length: 1 },
    JSON.parse('{"__proto__":["music"]}'),
    null,
    7,
  ];
  for (const interests of hostile) {
    const frame = JSON.stringify({ type: "request", interests });
    const result = parseClientFrame(frame);
    assert.equal(result.ok, false, frame.slice(0, 80));
    if (!result.ok) {
      assert.equal(result.code, "bad_interests", frame.slice(0, 80));
    }
  }
  // A raw __proto__ key in the frame itself is just an unknown field.
  const raw =
    '{"type":"request","__proto__":{"interests":["x"]},"interests":["a"]}';
  assert.deepEqual(parseClientFrame(raw), {
    ok: true,
    frame: { type: "request", interests: ["a"] },
  });
  assert.equal(({} as Record<string, unknown>).interests, undefined);
});

Deno.test("request validates lang and strict, and a bare request stays bare", () => {
  assert.deepEqual(parseClientFrame('{"type":"request"}'), {
    ok: true,
    frame: { type: "request" },
  });
  assert.deepEqual(
    parseClientFrame(
      '{"type":"request","interests":["Music"],"lang":"pt-BR","strict":true}',
    ),
    {
      ok: true,
      frame: {
        type: "request",
        interests: ["music"],
        lang: "pt",
        strict: true,
      },
    },
  );
  for (const lang of ["", "english", "e", "en_US", 5, "en-", "../x"]) {
    const result = parseClientFrame(JSON.stringify({ type: "request", lang }));
    assert.equal(result.ok, false, String(lang));
  }
  assert.equal(parseLanguage("ZH-Hant-TW"), "zh");
  const strict = parseClientFrame('{"type":"request","strict":"yes"}');
  assert.equal(strict.ok, false);
});

Deno.test("block and widen frames", () => {
  assert.deepEqual(parseClientFrame('{"type":"block"}'), {
    ok: true,
    frame: { type: "block" },
  });
  const token = "t".repeat(22);
  assert.deepEqual(parseClientFrame(JSON.stringify({ type: "block", token })), {
    ok: true,
    frame: { type: "block", token },
  });
  assert.equal(parseClientFrame('{"type":"block","token":"short"}').ok, false);
  assert.deepEqual(parseClientFrame('{"type":"widen"}'), {
    ok: true,
    frame: { type: "widen" },
  });
});

Deno.test("commonInterests() keeps the first list's order", () => {
  assert.deepEqual(commonInterests(["a", "b", "c"], ["c", "a"]), ["a", "c"]);
  assert.deepEqual(commonInterests([], ["a"]), []);
});
