import assert from "node:assert/strict";
import { identityOf } from "../recent_partners.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { parseBanRequest, parseLimit, parseReportBan } from "./validate.ts";

Deno.test("parseBanRequest() bans an address by its group", () => {
  const v6 = parseBanRequest(
    { address: " 2001:db8:1:2::7 ", seconds: 3600 },
    32,
  );
  assert.deepEqual(v6, {
    ok: true,
    value: {
      subject: identityOf(undefined, "2001:db8:1:2::/64"),
      label: "2001:db8:1:2::7",
      seconds: 3600,
      visible: false,
      reason: "",
    },
  });
  const v4 = parseBanRequest({ address: "203.0.113.7", seconds: 60 }, 24);
  assert.equal(
    v4.ok && v4.value.subject,
    identityOf(undefined, "203.0.113.0/24"),
  );
});

Deno.test("parseBanRequest() bans a token without keeping it", () => {
  const token = "abcdefghijklmnopqrstuvwxyz";
  const ban = parseBanRequest({ token, seconds: 60, visible: true }, 32);
  assert.ok(ban.ok);
  assert.equal(ban.value.subject, identityOf(token, ""));
  assert.ok(!ban.value.label.includes(token));
});

Deno.test("parseBanRequest() refuses each bad field with its reason", () => {
  const cases: [unknown, RegExp][] = [
    [null, /JSON object/],
    [[], /JSON object/],
    [{ address: "1.2.3.4" }, /seconds/],
    [{ address: "1.2.3.4", seconds: 59 }, /seconds/],
    [{ address: "1.2.3.4", seconds: 365 * 86_400 + 1 }, /seconds/],
    [{ address: "1.2.3.4", seconds: "3600" }, /seconds/],
    [{ address: "1.2.3.4", seconds: 60, visible: "yes" }, /visible/],
    [{ address: "1.2.3.4", seconds: 60, reason: "x".repeat(201) }, /reason/],
    [{ address: "1.2.3.4", seconds: 60, reason: "a\u202eb" }, /reason/],
    [{ address: "1.2.3.0/24", seconds: 60 }, /address/],
    [{ address: 16909060, seconds: 60 }, /address/],
    [{ seconds: 60 }, /either/],
    [{ address: "1.2.3.4", token: "abcdefghijklmnop", seconds: 60 }, /either/],
    [{ token: "short", seconds: 60 }, /token/],
    [
      JSON.parse('{"__proto__":{},"address":"1.2.3.4","seconds":60}'),
      /unknown field/,
    ],
  ];
  for (const [body, reason] of cases) {
    const result = parseBanRequest(body, 32);
    assert.ok(!result.ok, JSON.stringify(body));
    assert.match(result.error, reason, JSON.stringify(body));
  }
});

Deno.test("parseReportBan() and parseLimit() check their ranges", () => {
  assert.deepEqual(parseReportBan({ seconds: 86_400, visible: true }), {
    ok: true,
    value: { seconds: 86_400, visible: true },
  });
  assert.equal(parseReportBan({ seconds: 86_400, note: "x" }).ok, false);
  assert.deepEqual(parseLimit(null, { fallback: 100, max: 500 }), {
    ok: true,
    value: 100,
  });
  for (const bad of ["0", "501", "-1", "1.5", "1e3", "abc"]) {
    assert.equal(parseLimit(bad, { fallback: 100, max: 500 }).ok, false, bad);
  }
});

Deno.test("parseDuration() reads what an operator types; formatDuration() writes it back", () => {
  assert.equal(parseDuration("24h"), 86_400);
  assert.equal(parseDuration("90s"), 90);
  assert.equal(parseDuration("3600"), 3600);
  assert.equal(parseDuration("2W"), 14 * 86_400);
  for (const bad of ["", "h", "1.5h", "-1h", "1y", "1h30m"]) {
    assert.equal(parseDuration(bad), null, bad);
  }
  assert.equal(formatDuration(3600), "1h");
  assert.equal(formatDuration(5400), "90m");
  assert.equal(formatDuration(7 * 86_400), "1w");
  assert.equal(formatDuration(61), "61s");
});
