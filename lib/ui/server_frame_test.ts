import assert from "node:assert/strict";
import { parseServerFrame } from "./server_frame.ts";

Deno.test("parseServerFrame() reads known frames and ignores the rest", () => {
  assert.deepEqual(parseServerFrame('{"type":"response"}'), {
    type: "response",
  });
  assert.deepEqual(
    parseServerFrame('{"type":"message","message":"<b>","from":"guest"}'),
    { type: "message", from: "guest", text: "<b>" },
  );
  assert.deepEqual(parseServerFrame('{"type":"typing","on":true}'), {
    type: "typing",
    on: true,
  });
  assert.deepEqual(parseServerFrame('{"type":"online","count":7}'), {
    type: "online",
    count: 7,
  });
  assert.deepEqual(
    parseServerFrame('{"type":"response","common":["music","films"]}'),
    { type: "response", common: ["music", "films"] },
  );
  assert.deepEqual(parseServerFrame('{"type":"blocked"}'), {
    type: "blocked",
  });
  assert.deepEqual(
    parseServerFrame('{"type":"error","code":"rate_limited","reason":"x"}'),
    { type: "error", code: "rate_limited" },
  );
  for (
    const bad of [
      "nope",
      "null",
      "[]",
      '{"type":"wat"}',
      '{"type":"message","message":1,"from":"me"}',
      '{"type":"message","message":"x","from":"someone"}',
      '{"type":"typing"}',
      '{"type":"online","count":-1}',
      '{"type":"error"}',
    ]
  ) {
    assert.deepEqual(parseServerFrame(bad), null, bad);
  }
  assert.deepEqual(parseServerFrame(new ArrayBuffer(2)), null);
  // A malformed list of interests is read as none.
  assert.deepEqual(parseServerFrame('{"type":"response","common":[1]}'), {
    type: "response",
  });
});

Deno.test("parseServerFrame() reads the safety frames", () => {
  assert.deepEqual(
    parseServerFrame('{"type":"reported","verified":3,"lines":4}'),
    { type: "reported" },
  );
  const challenge = { parameters: { algorithm: "SHA-256" }, signature: "s" };
  assert.deepEqual(
    parseServerFrame(
      JSON.stringify({ type: "error", code: "pow_required", challenge }),
    ),
    { type: "pow", challenge, retry: false },
  );
  assert.deepEqual(
    parseServerFrame(
      JSON.stringify({ type: "error", code: "pow_invalid", challenge }),
    ),
    { type: "pow", challenge, retry: true },
  );
  // Without a challenge object, a pow error is a plain error (a notice).
  for (const bad of [undefined, null, "x", [1], 7]) {
    assert.deepEqual(
      parseServerFrame(
        JSON.stringify({ type: "error", code: "pow_required", challenge: bad }),
      ),
      { type: "error", code: "pow_required" },
    );
  }
  assert.deepEqual(
    parseServerFrame('{"type":"error","code":"nothing_to_report"}'),
    { type: "reportFailed", code: "nothing_to_report" },
  );
  assert.deepEqual(
    parseServerFrame('{"type":"error","code":"bad_report","reason":"x"}'),
    { type: "reportFailed", code: "bad_report" },
  );
  assert.deepEqual(
    parseServerFrame('{"type":"error","code":"filtered"}'),
    { type: "error", code: "filtered" },
  );
});

Deno.test("parseServerFrame() reads the resume frames and fields", () => {
  const token = "Zx".repeat(11);
  assert.deepEqual(
    parseServerFrame(JSON.stringify({ type: "response", resume: token })),
    { type: "response", resume: token },
  );
  assert.deepEqual(
    parseServerFrame('{"type":"response","common":[],"resume":"no"}'),
    { type: "response", common: [] },
  );
  assert.deepEqual(
    parseServerFrame(
      '{"type":"message","message":"hi","from":"guest","seq":4}',
    ),
    { type: "message", from: "guest", text: "hi", seq: 4 },
  );
  assert.deepEqual(
    parseServerFrame('{"type":"message","message":"hi","from":"me","seq":0}'),
    { type: "message", from: "me", text: "hi" },
  );
  assert.deepEqual(parseServerFrame('{"type":"resumed","seen":3}'), {
    type: "resumed",
    seen: 3,
  });
  assert.equal(parseServerFrame('{"type":"resumed","seen":-1}'), null);
  assert.equal(parseServerFrame('{"type":"resumed"}'), null);
  assert.deepEqual(parseServerFrame('{"type":"partner_away"}'), {
    type: "partnerAway",
  });
  assert.deepEqual(parseServerFrame('{"type":"partner_back"}'), {
    type: "partnerBack",
  });
  assert.deepEqual(
    parseServerFrame(JSON.stringify({
      type: "error",
      code: "resume_failed",
      reason: "the chat is still connected",
    })),
    { type: "resumeBusy" },
  );
  assert.deepEqual(
    parseServerFrame(JSON.stringify({
      type: "error",
      code: "resume_failed",
      reason: "the chat has ended",
    })),
    { type: "error", code: "resume_failed" },
  );
});
