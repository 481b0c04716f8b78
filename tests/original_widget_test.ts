/**
 * Wire compatibility: the original jQuery widget from the article our chat
 * grew from (../shared/seed), unchanged, chats through our server in
 * headless Chromium. Only its `wsUri` option is set, to point at `/ws`.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { hasChromium, launch } from "./browser_helper.ts";
import { startTestServer } from "./helpers.ts";

const SEED = new URL(
  "../../shared/seed/000_5d15249787c66002.txt",
  import.meta.url,
);

async function readSeed(): Promise<{ html: string; widget: string } | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(SEED);
  } catch {
    return null;
  }
  const lines = text.split("\n");
  const html = lines.find((l) => l.startsWith('<div id="chat_wrapper">'));
  const widget = lines.find((l) => l.includes("$.fn.extend({chatWidget"));
  if (!html || !widget) return null;
  // The template ends in the site's own script tags; the widget is loaded below.
  return { html: html.slice(0, html.indexOf("<script")), widget };
}

async function bundleDeps(): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      new URL("./fixtures/original_widget_deps.ts", import.meta.url).pathname,
    ],
    cwd: new URL("../", import.meta.url).pathname,
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

const seed = await readSeed();
const ignore = !hasChromium() || seed === null;
if (ignore) {
  console.warn(
    "original widget test skipped: needs /usr/bin/chromium and ../shared/seed",
  );
}

Deno.test({
  name:
    "the original jQuery widget, unchanged, pairs and chats through our /ws",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const deps = await bundleDeps();
  const page = (wsUri: string) =>
    `<!DOCTYPE html><html><head><meta charset="utf-8">
<style>.template{display:none}.template.active{display:block}.show-closed{display:none}</style>
</head><body>${seed!.html}
<script>${deps}</script>
<script>${seed!.widget}</script>
<script>$(document).ready(function(){ $('#chat_wrapper').chatWidget({ wsUri: '${wsUri}' }); });</script>
</body></html>`;
  // The widget's page comes from a site of its own on loopback, as on the
  // original site; our server lets that origin in through ALLOWED_ORIGINS.
  let wsUri = "";
  const site = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () =>
      new Response(page(wsUri), {
        headers: { "Content-Type": "text/html; charset=utf-8" },
      }),
  );
  const siteUrl = `http://127.0.0.1:${site.addr.port}`;
  const server = await startTestServer({ allowedOrigins: [siteUrl] });
  wsUri = server.wsUrl;
  const harness = await launch();
  try {
    const visitors: Page[] = [];
    for (const name of ["first", "second"]) {
      const visitor = await harness.visitor(name);
      await visitor.page.goto(siteUrl);
      await visitor.page.waitForSelector("#template_idle.active");
      visitors.push(visitor.page);
    }
    const [a, b] = visitors;
    await a.click("#template_idle .begin-chat");
    await a.waitForSelector("#template_wait.active");
    await b.click("#template_idle .begin-chat");
    await a.waitForSelector("#template_chat.active");
    await b.waitForSelector("#template_chat.active");

    await a.fill("#message", "Привет, незнакомец!\nвторая строка");
    await a.click("#send-btn");
    await a.waitForFunction(() =>
      document.querySelector("#message_box")?.textContent?.includes(
        "me : Привет",
      )
    );
    await b.waitForFunction(() =>
      document.querySelector("#message_box")?.textContent?.includes(
        "guest : Привет",
      )
    );
    const received = await b.locator("#message_box .user_message").last()
      .innerHTML();
    assert.equal(received, "Привет, незнакомец!<br>вторая строка");

    await b.fill("#message", "<img src=x onerror=alert(1)>");
    await b.press("#message", "Control+Enter");
    await a.waitForFunction(() =>
      document.querySelector("#message_box")?.textContent?.includes(
        "<img src=x",
      )
    );
    assert.equal(await a.locator("#message_box img").count(), 0);
    assert.equal(
      await a.locator("#send-btn").isDisabled(),
      false,
      "echo unlocked the form",
    );

    await a.click(".close-chat");
    await b.waitForSelector(".show-closed", { state: "visible" });
    await b.waitForFunction(() =>
      document.querySelector("#message_box")?.textContent?.includes(
        "Чат закрыт",
      )
    );
  } finally {
    await harness.close();
    await server.stop();
    await site.shutdown();
  }
});
