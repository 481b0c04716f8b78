/**
 * The site owner's options, in process: each appears in the page, the
 * accent colour comes as a stylesheet, and the CSP allows a foreign logo or
 * stylesheet without ever needing 'unsafe-inline'.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../lib/ops/config.ts";
import { themeCss } from "../lib/site.ts";
import { inProcessApp } from "./app_helper.ts";

function csp(res: Response): string {
  return res.headers.get("Content-Security-Policy") ?? "";
}

Deno.test("site options appear in the page and keep the CSP strict", async () => {
  await using app = await inProcessApp({
    siteName: "Night Owls",
    accentColor: "#e8590c",
    logoUrl: "https://cdn.example.com/owl.svg",
    termsUrl: "https://example.com/terms",
    extraStylesheet: "https://cdn.example.com/owls.css",
  });
  const res = await app.fetch("/");
  const html = await res.text();
  assert.match(html, /<title>Night Owls · /);
  assert.match(html, /Night Owls/);
  assert.match(
    html,
    /<img class="logo" src="https:\/\/cdn\.example\.com\/owl\.svg"/,
  );
  assert.match(
    html,
    /<a href="https:\/\/example\.com\/terms">Terms and privacy/,
  );
  assert.match(html, /<link rel="stylesheet" href="\/theme\.css"/);
  assert.match(
    html,
    /<link rel="stylesheet" href="https:\/\/cdn\.example\.com\/owls\.css"/,
  );
  assert.doesNotMatch(html, /style="/);
  const policy = csp(res);
  assert.match(policy, /img-src 'self' data: https:\/\/cdn\.example\.com/);
  assert.match(policy, /style-src 'self' https:\/\/cdn\.example\.com/);
  assert.doesNotMatch(policy, /unsafe-inline/);

  const theme = await app.fetch("/theme.css");
  assert.equal(theme.headers.get("Content-Type"), "text/css; charset=utf-8");
  assert.match(await theme.text(), /--accent: #e8590c/);

  const missing = await app.fetch("/nowhere", {
    headers: { "Accept-Language": "ru" },
  });
  assert.equal(missing.status, 404);
  const page = await missing.text();
  assert.match(page, /<html lang="ru">/);
  assert.match(page, /Night Owls/);
  assert.match(page, /href="\/theme\.css"/);
});

Deno.test("site options from /static/ add nothing to the CSP", async () => {
  await using app = await inProcessApp({
    logoUrl: "/static/favicon.svg",
    extraStylesheet: "/static/extra.css",
  });
  const res = await app.fetch("/");
  const html = await res.text();
  assert.match(html, /<img class="logo" src="\/static\/favicon\.svg"/);
  assert.match(html, /href="\/static\/extra\.css"/);
  assert.doesNotMatch(html, /theme\.css/);
  assert.match(csp(res), /style-src 'self'; img-src 'self' data:;/);
});

Deno.test("without site options the page has the built-in look", async () => {
  await using app = await inProcessApp();
  const html = await (await app.fetch("/")).text();
  assert.match(html, /<title>Strangers · /);
  assert.doesNotMatch(html, /theme\.css|Terms and privacy|<img/);
});

Deno.test("loadConfig() refuses a bad colour, logo, stylesheet or terms link", () => {
  const bad = [
    ["--accent-color", "red"],
    ["--accent-color", "#12345"],
    ["--logo-url", "http://cdn.example.com/a.png"],
    ["--logo-url", "/static/../main.ts"],
    ["--extra-stylesheet", "/elsewhere.css"],
    ["--terms-url", "javascript:alert(1)"],
    ["--terms-url", "//evil.example"],
  ];
  for (const args of bad) {
    assert.throws(
      () => loadConfig(args, () => undefined),
      ConfigError,
      args[1],
    );
  }
  const ok = loadConfig(["--accent-color", "#0A0"], () => undefined);
  assert.equal(ok.accentColor, "#0A0");
});

Deno.test("themeCss() picks the text colour that reads on the accent", () => {
  assert.match(themeCss("#ffd43b"), /--accent-text: #0b1020/);
  assert.match(themeCss("#1c3faa"), /--accent-text: #ffffff/);
  assert.equal(themeCss("url(x)"), "");
});
