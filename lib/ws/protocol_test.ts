import assert from "node:assert/strict";
import {
  CLOSE,
  ERROR_CODES,
  errorFrame,
  hasVisibleCharacter,
  messageFrames,
  onlineFrame,
  parseClientFrame,
  responseFrame,
  resumedFrame,
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
  const [me, guest] = messageFrames('a "quote" </script>\n', 7, 3);
  assert.deepEqual(JSON.parse(me), {
    type: "message",
    message: 'a "quote" </script>\n',
    from: "me",
    seq: 7,
  });
  assert.equal(
    guest,
    '{"type":"message","message":"a \\"quote\\" </script>\\n","from":"guest","seq":3}',
  );
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

Deno.test("parseClientFrame() takes a message's seq, a positive whole number", () => {
  assert.deepEqual(
    parseClientFrame('{"type":"message","message":"hi","seq":3}'),
    { ok: true, frame: { type: "message", message: "hi", seq: 3 } },
  );
  for (const seq of ["0", "-1", "1.5", '"2"', "null", "9007199254740992"]) {
    const result = parseClientFrame(
      `{"type":"message","message":"hi","seq":${seq}}`,
    );
    assert.equal(result.ok ? "ok" : result.code, "bad_frame", seq);
  }
});

Deno.test("parseClientFrame() takes request's resume only as a boolean", () => {
  assert.deepEqual(parseClientFrame('{"type":"request","resume":true}'), {
    ok: true,
    frame: { type: "request", resume: true },
  });
  for (const resume of ["1", '"true"', "null", "{}"]) {
    const result = parseClientFrame(`{"type":"request","resume":${resume}}`);
    assert.equal(result.ok ? "ok" : result.code, "bad_frame", resume);
  }
});

Deno.test("parseClientFrame() checks resume's token and seen", () => {
  const token = "abcdefghijklmnopqrstuvwx";
  assert.deepEqual(
    parseClientFrame(`{"type":"resume","token":"${token}","seen":0}`),
    { ok: true, frame: { type: "resume", token, seen: 0 } },
  );
  const bad = [
    `{"type":"resume","seen":0}`,
    `{"type":"resume","token":"short","seen":0}`,
    `{"type":"resume","token":"${"A".repeat(65)}","seen":0}`,
    `{"type":"resume","token":"${token.slice(1)}+","seen":0}`,
    `{"type":"resume","token":42,"seen":0}`,
    `{"type":"resume","token":"${token}"}`,
    `{"type":"resume","token":"${token}","seen":-1}`,
    `{"type":"resume","token":"${token}","seen":1.5}`,
    `{"type":"resume","token":"${token}","seen":"1"}`,
  ];
  for (const input of bad) {
    const result = parseClientFrame(input);
    assert.equal(result.ok ? "ok" : result.code, "bad_frame", input);
  }
  assert.ok(ERROR_CODES.includes("resume_failed"));
});

Deno.test("responseFrame() adds common, the resume token and its grace to the bare response", () => {
  assert.equal(responseFrame(), '{"type":"response"}');
  assert.equal(
    responseFrame(["a b", 'q"'], { token: "tok_-0", grace: 30 }),
    '{"type":"response","common":["a b","q\\""],"resume":"tok_-0","grace":30}',
  );
  assert.deepEqual(JSON.parse(responseFrame([])), {
    type: "response",
    common: [],
  });
  assert.deepEqual(JSON.parse(resumedFrame(4)), { type: "resumed", seen: 4 });
  assert.deepEqual(
    [CLOSE.resumeFailed, CLOSE.partnerTimeout, CLOSE.partnerOverflow],
    [
      { code: 4005, reason: "resume_failed" },
      { code: 4006, reason: "partner_timeout" },
      { code: 4007, reason: "partner_overflow" },
    ],
  );
});
