/**
 * The moderation console's HTTP side, in process: absent without
 * `ADMIN_TOKEN`; sign-in (cookie flags, throttle, audit); CSRF and Origin on
 * every change from a browser; the bearer API from a report to a ban and
 * back; and a seeded fuzz of the API with hostile bodies and paths that
 * must end in clear 4xx answers with nothing stored.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type InProcessApp, inProcessApp } from "./app_helper.ts";
import { prng } from "./security_helpers.ts";
import { identityOf } from "../lib/recent_partners.ts";
import { addressGroup } from "../lib/web/address.ts";
import type { Config } from "../lib/ops/config.ts";

const TOKEN = "admin-token-for-tests-0123";
const BEARER = { authorization: `Bearer ${TOKEN}` };
const ORIGIN = { origin: "http://localhost", host: "localhost" };
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const JSON_TYPE = { "content-type": "application/json" };

/** The app with the console on (and `overrides`). */
function adminApp(overrides: Partial<Config> = {}): Promise<InProcessApp> {
  return inProcessApp({ adminToken: TOKEN, ...overrides });
}

/** Signs in as a browser would; returns the cookie and the CSRF token. */
async function signIn(
  app: InProcessApp,
): Promise<{ cookie: string; csrf: string }> {
  const res = await app.fetch("/admin/login", {
    method: "POST",
    headers: { ...ORIGIN, ...FORM },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  assert.equal(res.status, 303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0];
  const page = await app.fetch("/admin", { headers: { cookie } });
  assert.equal(page.status, 200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  assert.ok(csrf, "the console page carries its CSRF token");
  return { cookie, csrf };
}

/** A report against `subjects` made the way the switchboard makes one. */
function report(app: InProcessApp, subjects: string[], reporter = "r1") {
  return app.state.moderation.report({
    reason: "spam",
    note: "sent links",
    lines: [
      { from: "guest", message: "buy now", verified: true },
      { from: "me", message: "no", verified: false },
    ],
    reporter: identityOf(undefined, reporter),
    subjects,
  });
}

async function api(
  app: InProcessApp,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await app.fetch(`/admin/api/${path}`, {
    method,
    headers: { ...BEARER, ...body === undefined ? {} : JSON_TYPE },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

Deno.test("admin routes are absent without ADMIN_TOKEN", async () => {
  await using app = await inProcessApp();
  for (const method of ["GET", "POST", "DELETE"]) {
    const absent = await app.fetch("/no/such/path", { method });
    await absent.body?.cancel();
    for (
      const path of [
        "/admin",
        "/admin/login",
        "/admin/logout",
        "/admin/api/bans",
        "/admin/api/stats",
        "/admin/api/bans/0000000000000000000000",
      ]
    ) {
      const res = await app.fetch(path, { method, headers: BEARER });
      assert.equal(res.status, absent.status, `${method} ${path}`);
      assert.equal(
        res.headers.get("allow"),
        absent.headers.get("allow"),
        `${method} ${path}`,
      );
      await res.body?.cancel();
    }
    if (method === "GET") assert.equal(absent.status, 404);
  }
});

Deno.test("the console sends the unsigned to sign-in; the API answers 401", async () => {
  await using app = await adminApp();
  const page = await app.fetch("/admin");
  assert.equal(page.status, 303);
  assert.equal(page.headers.get("location"), "/admin/login");
  const forged = await app.fetch("/admin", {
    headers: { cookie: "strangers_admin=9999999999999.AAAAAAAAAAAAAAAA.x" },
  });
  assert.equal(forged.status, 303);
  const login = await app.fetch("/admin/login");
  assert.equal(login.status, 200);
  assert.match(await login.text(), /name="token"/);
  for (const path of ["reports", "bans", "audit", "stats"]) {
    const res = await app.fetch(`/admin/api/${path}`);
    assert.equal(res.status, 401, path);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="admin"');
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(typeof (await res.json()).error, "string");
  }
});

Deno.test("signing in sets an HttpOnly SameSite=Strict session cookie", async (t) => {
  await t.step(
    "over http: no Secure; the session opens the console",
    async () => {
      await using app = await adminApp();
      const res = await app.fetch("/admin/login", {
        method: "POST",
        headers: { ...ORIGIN, ...FORM },
        body: `token=${TOKEN}`,
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "/admin");
      const cookie = res.headers.get("set-cookie")!;
      assert.match(cookie, /^strangers_admin=[^;]+; /);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Strict/);
      assert.match(cookie, /; Path=\/admin/);
      assert.doesNotMatch(cookie, /Secure/);
      const page = await app.fetch("/admin", {
        headers: { cookie: cookie.split(";")[0] },
      });
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cache-control"), "no-store");
      const audit = await app.state.moderation.store.audit(10);
      assert.deepEqual(audit.map((e) => e.action), ["sign_in"]);
      assert.ok(!audit[0].target.includes("127.0.0.1"), "no raw address");
    },
  );
  await t.step("with an https public origin: Secure", async () => {
    await using app = await adminApp({ publicOrigin: "https://chat.example" });
    const res = await app.fetch("/admin/login", {
      method: "POST",
      headers: {
        origin: "https://chat.example",
        host: "chat.example",
        ...FORM,
      },
      body: `token=${TOKEN}`,
    });
    assert.equal(res.status, 303);
    assert.match(res.headers.get("set-cookie")!, /; Secure/);
  });
  await t.step("a form posted from another site signs nobody in", async () => {
    await using app = await adminApp();
    const res = await app.fetch("/admin/login", {
      method: "POST",
      headers: { origin: "https://evil.example", host: "localhost", ...FORM },
      body: `token=${TOKEN}`,
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("set-cookie"), null);
    await res.body?.cancel();
  });
  await t.step("signing out clears the cookie", async () => {
    await using app = await adminApp();
    const { cookie, csrf } = await signIn(app);
    const res = await app.fetch("/admin/logout", {
      method: "POST",
      headers: { cookie, ...ORIGIN, ...FORM },
      body: `csrf=${csrf}`,
    });
    assert.equal(res.status, 303);
    assert.match(
      res.headers.get("set-cookie")!,
      /^strangers_admin=; .*Max-Age=0/,
    );
  });
});

Deno.test("wrong tokens are throttled per address group", async () => {
  // Behind a trusted proxy, the proxy's header names each caller.
  await using app = await adminApp({ trustProxy: "x-forwarded-for" });
  const attempt = (token: string, client = "198.51.100.7") =>
    app.fetch("/admin/login", {
      method: "POST",
      headers: { ...ORIGIN, ...FORM, "x-forwarded-for": client },
      body: new URLSearchParams({ token }).toString(),
    });
  for (let i = 0; i < 5; i++) {
    const res = await attempt(`wrong-${i}`);
    assert.equal(res.status, 401, `attempt ${i + 1}`);
    await res.body?.cancel();
  }
  const throttled = await attempt(TOKEN);
  assert.equal(throttled.status, 429, "even the right token waits");
  assert.ok(Number(throttled.headers.get("retry-after")) > 0);
  assert.equal(throttled.headers.get("set-cookie"), null);
  await throttled.body?.cancel();
  // A bearer token from the same group waits too: the API is no way around.
  const bearer = await app.fetch("/admin/api/stats", {
    headers: { ...BEARER, "x-forwarded-for": "198.51.100.7" },
  });
  assert.equal(bearer.status, 429);
  await bearer.body?.cancel();
  // Another address is not held back by this one's failures.
  const other = await attempt(TOKEN, "203.0.113.9");
  assert.equal(other.status, 303);
  const actions = (await app.state.moderation.store.audit(50)).map((e) =>
    e.action
  );
  assert.equal(actions.filter((a) => a === "sign_in_failed").length, 5);
  assert.equal(actions.filter((a) => a === "sign_in").length, 1);
});

Deno.test("wrong bearer tokens on the API count toward the throttle", async () => {
  await using app = await adminApp({ trustProxy: "x-forwarded-for" });
  const call = (token = "not-the-token-at-all") =>
    app.fetch("/admin/api/bans", {
      headers: {
        authorization: `Bearer ${token}`,
        "x-forwarded-for": "192.0.2.44",
      },
    });
  for (let i = 0; i < 5; i++) {
    const res = await call();
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }
  const res = await call(TOKEN);
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get("retry-after")) > 0);
  await res.body?.cancel();
});

Deno.test("a browser's change without CSRF token or Origin changes nothing", async () => {
  await using app = await adminApp();
  const { cookie, csrf } = await signIn(app);
  const body = JSON.stringify({ address: "203.0.113.7", seconds: 3600 });
  const post = (headers: Record<string, string>) =>
    app.fetch("/admin/api/bans", {
      method: "POST",
      headers: { cookie, ...JSON_TYPE, ...headers },
      body,
    });
  for (
    const [why, headers] of [
      ["no CSRF header", ORIGIN],
      ["a wrong CSRF token", { ...ORIGIN, "x-csrf-token": csrf + "x" }],
      ["another session's token", {
        ...ORIGIN,
        "x-csrf-token": "A".repeat(43),
      }],
      ["no Origin", { host: "localhost", "x-csrf-token": csrf }],
      ["a foreign Origin", {
        origin: "https://evil.example",
        host: "localhost",
        "x-csrf-token": csrf,
      }],
    ] as const
  ) {
    const res = await post(headers);
    assert.equal(res.status, 403, why);
    assert.equal(typeof (await res.json()).error, "string");
  }
  assert.deepEqual(await app.state.moderation.store.bans(Date.now()), []);
  const logout = await app.fetch("/admin/logout", {
    method: "POST",
    headers: { cookie, ...ORIGIN, ...FORM },
    body: "csrf=wrong",
  });
  assert.equal(logout.status, 403);
  await logout.body?.cancel();
  const res = await post({ ...ORIGIN, "x-csrf-token": csrf });
  assert.equal(res.status, 201);
  const { ban } = await res.json();
  assert.equal(ban.by, "admin");
  assert.equal(ban.label, "203.0.113.7");
});

Deno.test("the bearer API takes a report to a ban, to the audit log, and back", async () => {
  await using app = await adminApp();
  const { moderation } = app.state;
  const subject = identityOf(undefined, "192.0.2.1");
  const made = await report(app, [subject]);
  const other = await report(app, [identityOf(undefined, "192.0.2.2")], "r2");

  const listed = await api(app, "GET", "reports?status=open");
  assert.equal(listed.status, 200);
  const reports = listed.json.reports as { id: string; lines: unknown[] }[];
  assert.deepEqual(reports.map((r) => r.id).sort(), [made.id, other.id].sort());
  assert.deepEqual(reports.find((r) => r.id === made.id)!.lines, made.lines);
  assert.deepEqual((await api(app, "GET", "stats")).json, {
    online: 0,
    chatting: 0,
    openReports: 2,
    activeBans: 0,
  });

  const banned = await api(app, "POST", `reports/${made.id}/ban`, {
    seconds: 3600,
    visible: false,
  });
  assert.equal(banned.status, 200);
  const [ban] = banned.json.bans as { id: string; subject: string }[];
  assert.equal(ban.subject, subject);
  assert.equal(moderation.banned([subject])?.id, ban.id);
  const bans = (await api(app, "GET", "bans")).json.bans as { id: string }[];
  assert.deepEqual(bans.map((b) => b.id), [ban.id]);
  assert.equal((await moderation.store.report(made.id))?.status, "banned");

  assert.equal(
    (await api(app, "POST", `reports/${other.id}/dismiss`)).status,
    200,
  );
  assert.equal((await moderation.store.report(other.id))?.status, "dismissed");
  assert.deepEqual(
    (await api(app, "GET", "reports?status=open")).json.reports,
    [],
  );

  const address = await api(app, "POST", "bans", {
    address: "2001:db8:1:2::99",
    seconds: 86400,
    visible: true,
    reason: "links",
  });
  assert.equal(address.status, 201);
  const group = addressGroup("2001:db8:1:2:ffff::1");
  assert.equal(
    moderation.banned([identityOf(undefined, group)])?.visible,
    true,
  );

  assert.equal((await api(app, "DELETE", `bans/${ban.id}`)).status, 200);
  assert.equal(moderation.banned([subject]), undefined);
  assert.equal((await api(app, "DELETE", `bans/${ban.id}`)).status, 404);

  const entries = (await api(app, "GET", "audit?limit=10")).json.entries as {
    actor: string;
    action: string;
    target: string;
  }[];
  assert.deepEqual(
    entries.map((e) => `${e.actor} ${e.action}`),
    ["api unban", "api ban", "api dismiss", "api ban"],
  );
  assert.equal(entries[1].target, "2001:db8:1:2::99");
});

/** Field values no ban accepts. */
const BAD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  59,
  365 * 86_400 + 1,
  1.5,
  "3600",
  "",
  "x".repeat(300),
  "not an address",
  "203.0.113.0/24",
  "999.1.1.1",
  "01.2.3.4",
  "\u0000",
  [],
  {},
  { __proto__: { seconds: 3600 } },
  ["203.0.113.7"],
];

const KEYS = [
  "address",
  "token",
  "seconds",
  "visible",
  "reason",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "",
];

/** A JSON body no ban accepts, built from `random`. */
function hostileBody(random: () => number): string {
  const pick = <T>(list: readonly T[]) =>
    list[Math.floor(random() * list.length)];
  const kind = Math.floor(random() * 6);
  if (kind === 0) {
    return pick([
      "{",
      "",
      "null",
      "[]",
      '"text"',
      "1e309",
      '{"seconds":}',
      '{"address":"203.0.113.7","seconds":1e309}',
      '{"__proto__":{"isAdmin":true},"seconds":3600}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      "\uFEFF{}",
    ]);
  }
  if (kind === 1) return JSON.stringify({ x: "y".repeat(5000) });
  const body: Record<string, unknown> = {};
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    Object.defineProperty(body, pick(KEYS), {
      value: pick(BAD_VALUES),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return JSON.stringify(body);
}

const HOSTILE_PATHS = [
  "bans",
  "bans/",
  "bans/%ZZ",
  "bans/..%2F..%2Fadmin",
  "bans/0000000000000000000000",
  "bans/constructor",
  "bans/__proto__",
  "bans/" + "a".repeat(4000),
  "reports/0000000000000000000000/ban",
  "reports/__proto__/ban",
  "reports/%00/dismiss",
  "reports//ban",
  "reports?status=__proto__",
  "reports?limit=-1",
  "reports?limit=1e9",
  "audit?limit=0",
  "audit?limit=abc",
  "stats/extra",
];

Deno.test("fuzz: hostile API requests get clear 4xx answers and store nothing", async () => {
  await using app = await adminApp();
  const { moderation } = app.state;
  const kept = await report(app, [identityOf(undefined, "192.0.2.50")]);
  const before = await moderation.store.audit(100);
  const random = prng(0x5eed15);
  const pick = <T>(list: readonly T[]) =>
    list[Math.floor(random() * list.length)];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const method = pick(["POST", "POST", "DELETE", "GET", "PUT", "PATCH"]);
    const path = i % 3 === 0 ? pick(HOSTILE_PATHS) : pick([
      "bans",
      `reports/${kept.id}/ban`,
      "bans",
    ]);
    const withBody = method === "POST" || method === "PUT" ||
      method === "PATCH";
    const res = await app.fetch(`/admin/api/${path}`, {
      method,
      headers: {
        ...BEARER,
        "content-type": pick([
          "application/json",
          "text/plain",
          "application/json; charset=utf-8",
        ]),
      },
      body: withBody ? hostileBody(random) : undefined,
    });
    const text = await res.text();
    const what = `${method} /admin/api/${path.slice(0, 60)}`;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (method === "GET" && res.status === 200) {
      // A listing that was asked well may answer; nothing else may.
      assert.ok(!/limit=|status=|stats\//.test(path), what);
      continue;
    }
    assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status}`);
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      assert.equal(typeof JSON.parse(text).error, "string", what);
    }
  }
  assert.ok((statuses.get(400) ?? 0) > 0, "some bodies reached validation");
  assert.ok((statuses.get(404) ?? 0) > 0, "some ids were refused");
  assert.deepEqual(await moderation.store.bans(Date.now()), []);
  assert.deepEqual((await moderation.store.reports()).map((r) => r.status), [
    "open",
  ]);
  assert.deepEqual(await moderation.store.audit(100), before);
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(app.state.metrics.uncaught, 0);
  assert.equal((await api(app, "GET", "stats")).status, 200);
});
