import assert from "node:assert/strict";
import {
  ERROR_CODES,
  errorFrame,
  hasVisibleCharacter,
  messageFrames,
  onlineFrame,
  parseClientFrame,
} from "./protocol.ts";

Deno.test("parseClientFrame() accepts the three client frames", () => {
  assert.deepEqual(parseClientFrame('{"type":"request"}'), {
    ok: true,
    frame: { type: "request" },
  });
  assert.deepEqual(
    parseClientFrame('{"type":"message","message":" hi\\nthere "}'),
    {
      ok: true,
      frame: { type: "message", message: " hi\nthere " },
    },
  );
  assert.deepEqual(parseClientFrame('{"type":"typing","on":false}'), {
    ok: true,
    frame: { type: "typing", on: false },
  });
});

Deno.test("parseClientFrame() accepts presence, ignoring extra fields", () => {
  assert.deepEqual(parseClientFrame('{"type":"presence"}'), {
    ok: true,
    frame: { type: "presence" },
  });
  assert.deepEqual(parseClientFrame('{"type":"presence","token":5}'), {
    ok: true,
    frame: { type: "presence" },
  });
  assert.ok(ERROR_CODES.includes("already_present"));
});

Deno.test("parseClientFrame() ignores unknown extra fields", () => {
  const result = parseClientFrame('{"type":"request","extra":[1,2]}');
  assert.deepEqual(result, { ok: true, frame: { type: "request" } });
});

Deno.test("parseClientFrame() names what is wrong, never throws", () => {
  const cases: [string, string][] = [
    ["not json", "bad_json"],
    ["", "bad_json"],
    ["[1,2]", "bad_frame"],
    ["null", "bad_frame"],
    ['"request"', "bad_frame"],
    ["42", "bad_frame"],
    ["{}", "bad_frame"],
    ['{"type":7}', "bad_frame"],
    ['{"type":"hello"}', "unknown_type"],
    ['{"type":"__proto__"}', "unknown_type"],
    ['{"type":"message"}', "bad_frame"],
    ['{"type":"message","message":5}', "bad_frame"],
    ['{"type":"message","message":"   \\n\\t "}', "empty_message"],
    ['{"type":"message","message":"\\ud800"}', "bad_frame"],
    ['{"type":"typing"}', "bad_frame"],
    ['{"type":"typing","on":"yes"}', "bad_frame"],
    ["[".repeat(100_000), "bad_json"],
  ];
  for (const [input, code] of cases) {
    const result = parseClientFrame(input);
    assert.equal(result.ok, false, input.slice(0, 40));
    if (!result.ok) assert.equal(result.code, code, input.slice(0, 40));
  }
});

Deno.test("parseClientFrame() limits message length, by default 2000", () => {
  const frame = (n: number) =>
    JSON.stringify({ type: "message", message: "x".repeat(n) });
  assert.equal(parseClientFrame(frame(2000)).ok, true);
  const long = parseClientFrame(frame(2001));
  assert.equal(long.ok === false && long.code, "message_too_long");
  assert.equal(parseClientFrame(frame(11), { maxMessageLength: 10 }).ok, false);
});

Deno.test("server frames are valid JSON with the original fields", () => {
  const [me, guest] = messageFrames('a "quote" </script>\n');
  assert.deepEqual(JSON.parse(me), {
    type: "message",
    message: 'a "quote" </script>\n',
    from: "me",
  });
  assert.equal(JSON.parse(guest).from, "guest");
  assert.deepEqual(JSON.parse(onlineFrame(3)), { type: "online", count: 3 });
  assert.deepEqual(JSON.parse(errorFrame("not_paired", "why")), {
    type: "error",
    code: "not_paired",
    reason: "why",
  });
});

Deno.test("parseClientFrame() refuses a message with no visible character as empty", () => {
  const invisible = [
    "",
    "   \n\t",
    "\u200B\u200C\u200D",
    "\u2060\uFEFF",
    "\u3164\u3164",
    "\u115F\u1160",
    "\uFFA0",
    "\u2800\u2800\u2800",
    "\u034F",
    "\u202E\u202A\u202B\u202C\u202D",
    "\u2066\u2067\u2068\u2069",
    "\u200E\u200F\u061C",
    "\u00AD\u180E",
    "\uFE0F \u00A0\u3000",
    " \u200B\u3164\u2800\u202E ",
  ];
  for (const message of invisible) {
    const result = parseClientFrame(
      JSON.stringify({ type: "message", message }),
    );
    assert.equal(
      result.ok ? "ok" : result.code,
      "empty_message",
      JSON.stringify(message),
    );
    assert.equal(hasVisibleCharacter(message), false, JSON.stringify(message));
  }
  for (
    const message of [
      "a",
      "\u202Eevil",
      "\u200Bx\u200B",
      ".",
      "مرحبا",
      "😀",
      "\u2801",
      "ㄱ",
    ]
  ) {
    const result = parseClientFrame(
      JSON.stringify({ type: "message", message }),
    );
    assert.ok(result.ok, JSON.stringify(message));
    assert.equal(hasVisibleCharacter(message), true, JSON.stringify(message));
  }
});
