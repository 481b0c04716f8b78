import assert from "node:assert/strict";
import { parseAdmission } from "./admission.ts";

Deno.test("parseAdmission() reads a refusal and its retry delay", () => {
  assert.deepEqual(
    parseAdmission({ ok: false, reason: "server_full", retryAfter: 7.2 }),
    { kind: "refused", reason: "server_full", retryAfter: 8 },
  );
  assert.deepEqual(
    parseAdmission({ ok: false, reason: "too_many_sockets" }),
    { kind: "refused", reason: "too_many_sockets", retryAfter: 5 },
  );
});

Deno.test("parseAdmission() treats ok and garbage as admitted", () => {
  assert.deepEqual(parseAdmission({ ok: true }), { kind: "ok" });
  assert.deepEqual(parseAdmission(null), { kind: "ok" });
  assert.deepEqual(parseAdmission({ ok: false }), { kind: "ok" });
});
