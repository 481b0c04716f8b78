import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";

const STATIC_DIR = new URL("../static/", import.meta.url);
import { loadBundleManifest } from "../lib/web/bundle.ts";
import { BOOT_DATA_ID } from "../lib/web/client/markers.ts";
import {
  collectIslands,
  registerIslands,
  serializeBootData,
} from "../lib/web/islands.ts";
import { renderPage } from "../lib/web/render.tsx";
import { inProcessApp } from "./app_helper.ts";
import { startTestServer, TestClient } from "./helpers.ts";
import { spawnServer } from "./server_process.ts";

Deno.test("GET / is rendered on the server with the welcome text and Start", async () => {
  await using app = await inProcessApp();
  const res = await app.fetch("/", { headers: { "Accept-Language": "en" } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/html/);
  const html = await res.text();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /Welcome to our chat!/);
  assert.match(html, /<button[^>]*>Start chat<\/button>/);
  assert.match(html, /data-island="Chat"/);
  assert.match(
    html,
    /<script type="module" src="\/static\/_islands\/[^"]+-[0-9a-f]{12}\.js">/,
  );
  assert.doesNotMatch(html, /<script>(?!<\/script>)/, "no inline script");
});

Deno.test("GET / hands the Chat island the server's maxMessageLength", async () => {
  await using app = await inProcessApp({ maxMessageLength: 321 });
  const html = await (await app.fetch("/")).text();
  const open = `<script type="application/json" id="${BOOT_DATA_ID}">`;
  const start = html.indexOf(open) + open.length;
  const json = html.slice(start, html.indexOf("</script>", start));
  const [props] = JSON.parse(json).props;
  assert.equal(props.maxMessageLength, 321);
  assert.equal(props.wsPath, "/ws");
});

Deno.test("every page carries the security headers", async () => {
  await using app = await inProcessApp({
    frameAncestors: "https://example.org",
  });
  for (const path of ["/", "/nope", "/static/styles.css"]) {
    const res = await app.fetch(path);
    await res.body?.cancel();
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline/, path);
    assert.match(csp, /frame-ancestors https:\/\/example\.org/, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  }
});

Deno.test("frame-ancestors defaults to 'self'", async () => {
  await using app = await inProcessApp();
  const res = await app.fetch("/");
  await res.body?.cancel();
  assert.match(
    res.headers.get("content-security-policy")!,
    /frame-ancestors 'self'/,
  );
});

Deno.test("routing: 404 page, 405 with Allow, HEAD without a body", async (t) => {
  await using app = await inProcessApp();
  await t.step("unknown path → 404 page without JavaScript", async () => {
    const res = await app.fetch("/no/such/page");
    assert.equal(res.status, 404);
    const html = await res.text();
    assert.match(html, /Not found/);
    assert.doesNotMatch(html, /<script/);
  });
  await t.step("POST / → 405 with Allow", async () => {
    const res = await app.fetch("/", { method: "POST", body: "x" });
    await res.body?.cancel();
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });
  await t.step("HEAD / → 200 and no body", async () => {
    const res = await app.fetch("/", { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
    assert.match(res.headers.get("content-type")!, /^text\/html/);
  });
  await t.step("GET /ws without upgrade → 426", async () => {
    const res = await app.fetch("/ws");
    await res.body?.cancel();
    assert.equal(res.status, 426);
  });
});

Deno.test("static files: types, ETag → 304, immutable bundles", async (t) => {
  await using app = await inProcessApp();
  const bundles = await loadBundleManifest(STATIC_DIR);
  await t.step("content types and no-cache with ETag", async () => {
    const css = await app.fetch("/static/styles.css");
    await css.body?.cancel();
    assert.equal(css.status, 200);
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(css.headers.get("cache-control"), "no-cache");
    const svg = await app.fetch("/static/favicon.svg");
    await svg.body?.cancel();
    assert.equal(svg.headers.get("content-type"), "image/svg+xml");
  });
  await t.step("If-None-Match → 304", async () => {
    const first = await app.fetch("/static/styles.css");
    await first.body?.cancel();
    const etag = first.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]+"$/);
    const again = await app.fetch("/static/styles.css", {
      headers: { "If-None-Match": etag },
    });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), "");
  });
  await t.step("hashed bundle is immutable JavaScript", async () => {
    const res = await app.fetch(bundles.islands.Chat);
    const code = await res.text();
    assert.equal(res.status, 200);
    assert.equal(
      res.headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.equal(
      res.headers.get("cache-control"),
      "public, max-age=31536000, immutable",
    );
    assert.ok(code.length > 100);
  });
});

Deno.test("static files: no spelling of .. leaves the folder", async () => {
  await using server = await startTestServer();
  for (
    const path of [
      "/static/../deno.json",
      "/static/%2e%2e/deno.json",
      "/static/%2E%2E/deno.json",
      "/static/..%2fdeno.json",
      "/static/%2e%2e%2fdeno.json",
      "/static/_islands/..%2f..%2fdeno.json",
      "/static/%252e%252e/deno.json",
      "/static/.%2e/main.ts",
      "/static/..%5cdeno.json",
      "/static/%00",
      "/static/%zz",
      "/static/",
      "/static/_islands",
    ]
  ) {
    // fetch() would normalize the dots itself: speak raw HTTP.
    const res = await rawGet(server.url, path);
    assert.match(res, /^HTTP\/1\.1 (404|400)/, path);
    assert.doesNotMatch(res, /"tasks"/, path);
  }
});

/** Sends a GET with the path exactly as written. */
async function rawGet(base: string, path: string): Promise<string> {
  const { hostname, port } = new URL(base);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(
    new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`,
    ),
  );
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(16384);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  conn.close();
  return new TextDecoder().decode(
    chunks.reduce((a, b) => new Uint8Array([...a, ...b]), new Uint8Array()),
  );
}

Deno.test("island props round-trip through the HTML", () => {
  function Probe(props: { text: string }) {
    return h("p", null, props.text);
  }
  registerIslands({ Probe });
  const props = {
    text: "</script><!-- <script>alert(1)</script> 🙂 \u2028 ü",
    nested: { list: [1, "two", { three: null }], emoji: "👩‍👩‍👧" },
  };
  // Islands are recognized as vnodes are made, inside the page's render.
  const Page = () => h("html", null, h("body", null, h(Probe, props)));
  const res = renderPage(
    h(Page, {}),
    { boot: "/static/_islands/boot-0.js", islands: { Probe: "/static/p.js" } },
  );
  return res.text().then((html) => {
    const open = `<script type="application/json" id="${BOOT_DATA_ID}">`;
    const start = html.indexOf(open) + open.length;
    const end = html.indexOf("</script>", start);
    const json = html.slice(start, end);
    assert.doesNotMatch(json, /<|-->|<!--/);
    assert.deepEqual(JSON.parse(json).props, [props]);
    assert.match(html, /data-island="Probe" data-island-props="0"/);
    assert.equal((html.match(/<script/g) ?? []).length, 2);
  });
});

Deno.test("a page without islands ships no JavaScript", async () => {
  const res = renderPage(h("html", null, h("body", null, h("p", null, "hi"))), {
    boot: "/b.js",
    islands: {},
  });
  const html = await res.text();
  assert.doesNotMatch(html, /<script|modulepreload/);
});

Deno.test("serializeBootData() escapes every character that could end the script", () => {
  const text = serializeBootData({ s: "<>&\u2028\u2029" });
  assert.equal(text, '{"s":"\\u003c\\u003e\\u0026\\u2028\\u2029"}');
  assert.deepEqual(JSON.parse(text), { s: "<>&\u2028\u2029" });
  const { islands } = collectIslands(() => renderToString(h("p", null, "x")));
  assert.equal(islands.used.size, 0);
});

Deno.test("the server started from another working directory serves page and bundle, and SIGTERM closes sockets with 1001", async () => {
  const bundles = await loadBundleManifest(STATIC_DIR);
  const cwd = await Deno.makeTempDir();
  const server = await spawnServer({ cwd, logFormat: "text" });
  const { url } = server;
  // In text form the banner is the first line, as it is, with no JSON around it.
  assert.equal(server.stdout[0], `Strangers listening on ${url}`);
  const page = await fetch(url);
  assert.match(await page.text(), /Start chat/);
  const bundle = await fetch(new URL(bundles.boot, url));
  assert.equal(bundle.status, 200);
  await bundle.body?.cancel();

  const client = await TestClient.open(server.wsUrl);
  client.send({ type: "request" });
  // Nothing may be in flight at the close, or Deno drops the connection
  // instead of finishing the close handshake: wait for the answer to this.
  client.send("?");
  await client.next("error");
  const started = Date.now();
  const stopped = server.stop();
  const closed = await client.closed;
  assert.equal(closed.code, 1001);
  const status = await stopped;
  assert.equal(status.code, 0);
  assert.ok(Date.now() - started < 10_000);
  await Deno.remove(cwd, { recursive: true });
});
