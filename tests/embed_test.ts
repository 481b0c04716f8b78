/**
 * Embedding: a page on a second origin shows the chat in an iframe (as the
 * README's snippet does), allowed by `FRAME_ANCESTORS`, and a visitor chats
 * inside it with one who opened the chat directly. Needs `deno task build`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type BrowserScene,
  hasChromium,
  withServerAndBrowser,
} from "./browser_helper.ts";

const ignore = !hasChromium();
if (ignore) console.warn("embed test skipped: no /usr/bin/chromium");

/** The README's iframe snippet, pointing at `chatUrl`. */
function hostPage(chatUrl: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>A blog with a chat</title></head><body><h1>Our blog</h1>
<iframe src="${chatUrl}" title="Chat with a stranger"
  style="width: 100%; max-width: 480px; height: 640px; border: 0"></iframe>
</body></html>`;
}

/** Options for {@linkcode embedTest}. */
interface EmbedTestOptions {
  name: string;
  /** Whether `FRAME_ANCESTORS` names the host page's origin. */
  allowHost: boolean;
}

/**
 * Declares a Chromium test with a host page on a second origin that frames
 * the chat, as the README's snippet does; all three are stopped after.
 */
function embedTest(
  { name, allowHost }: EmbedTestOptions,
  fn: (scene: BrowserScene & { hostOrigin: string }) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      let chatUrl = "";
      const host = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        () =>
          new Response(hostPage(chatUrl), {
            headers: { "Content-Type": "text/html; charset=utf-8" },
          }),
      );
      const hostOrigin = `http://127.0.0.1:${host.addr.port}`;
      try {
        await withServerAndBrowser(
          allowHost ? { frameAncestors: hostOrigin } : {},
          (scene) => {
            chatUrl = `${scene.server.url}/`;
            return fn({ ...scene, hostOrigin });
          },
        );
      } finally {
        await host.shutdown();
      }
    },
  });
}

embedTest({
  name: "the chat works in an iframe on another origin (FRAME_ANCESTORS)",
  allowHost: true,
}, async ({ server, browser, hostOrigin }) => {
  assert.notEqual(new URL(server.url).origin, hostOrigin);
  const a = await browser.visitor("A (embedded)");
  const b = await browser.visitor("B (direct)");
  await a.page.goto(hostOrigin);
  const frame = a.page.frameLocator("iframe");
  await frame.locator(".chat[data-ready]").waitFor();
  await frame.getByRole("button", { name: "Start chat" }).click();
  await b.open(server.url);
  await b.page.getByRole("button", { name: "Start chat" }).click();
  await frame.locator('.chat[data-phase="chat"]').waitFor();
  await b.page.locator('.chat[data-phase="chat"]').waitFor();

  const box = frame.getByRole("textbox", { name: "Message" });
  await box.fill("hello from the embed");
  await frame.locator(".composer .send").click();
  await b.page.locator(".log .line.guest .text", {
    hasText: "hello from the embed",
  }).waitFor();
  await b.page.getByRole("textbox", { name: "Message" }).fill("hi there");
  await b.page.locator(".composer .send").click();
  await frame.locator(".log .line.guest .text", { hasText: "hi there" })
    .waitFor();
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

embedTest({
  name: "the chat refuses to be framed by an origin not in FRAME_ANCESTORS",
  allowHost: false,
}, async ({ browser, hostOrigin }) => {
  const a = await browser.visitor("A");
  await a.page.goto(hostOrigin);
  const frame = a.page.frames().find((f) => f !== a.page.mainFrame());
  await a.page.waitForLoadState("load");
  // A blocked frame shows Chromium's error page: no chat island in it.
  assert.equal(await frame?.locator(".chat").count() ?? 0, 0);
});
