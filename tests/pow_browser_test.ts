/**
 * The bot check in headless Chromium against a real server with the proof
 * of work always on (and an easy difficulty): two pages are asked for it,
 * solve it with the ALTCHA widget, and chat; the widget's code and files
 * load only then, under the page's strict CSP; with the check off, never.
 * Needs `deno task build` first.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, hasChromium, screenshot } from "./browser_helper.ts";
import { until } from "./support/wait.ts";

if (!hasChromium()) {
  console.warn("pow browser tests skipped: no /usr/bin/chromium");
}

type Frame = Record<string, unknown>;

/** The request frames the page sends, on every socket. */
function requestsSent(page: Page): Frame[] {
  const requests: Frame[] = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", (f) => {
      const frame = JSON.parse(String(f.payload));
      if (frame.type === "request") requests.push(frame);
    }));
  return requests;
}

/** The bot check's files the page fetched (its chunk, workers, styles). */
function powFetches(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (req) => {
    const path = new URL(req.url()).pathname;
    if (/pow_widget|_islands-vendor/.test(path)) urls.push(path);
  });
  return urls;
}

function phase(page: Page, name: string): Promise<unknown> {
  return page.waitForSelector(`.chat[data-phase="${name}"]`);
}

browserTest({
  name: "Bot check always on: pages solve it with the widget, then chat",
  config: { powMode: "always", powMaxNumber: 1000, dataDir: ":memory:" },
}, async ({ t, server, browser }) => {
  const a = await browser.visitor("A");
  const b = await browser.visitor("B");
  const sentA = requestsSent(a.page);
  const sentB = requestsSent(b.page);
  const fetchedA = powFetches(a.page);

  await t.step("the first page load carries none of it", async () => {
    await a.open(server.url);
    await b.open(server.url);
    assert.deepEqual(fetchedA, []);
  });

  await t.step(
    "Start: asked, solved, asked again with the payload",
    async () => {
      await a.page.getByRole("button", { name: "Start chat" }).click();
      await phase(a.page, "waiting");
      await until(() => sentA.length >= 2, 30_000, "the request with pow");
      // Solved: the check is gone, the page waits for a partner.
      await a.page.locator("altcha-widget").waitFor({ state: "detached" });
      await a.page.getByText("Waiting for a partner").waitFor();
      assert.equal(sentA.length, 2, JSON.stringify(sentA));
      assert.equal(sentA[0].pow, undefined);
      assert.match(String(sentA[1].pow), /^[A-Za-z0-9+/]+=*$/);
      assert.ok(
        fetchedA.some((p) => /pow_widget-\w+\.js$/.test(p)),
        `${fetchedA}`,
      );
      assert.ok(fetchedA.includes("/static/_islands-vendor/altcha/sha.js"));
      assert.ok(fetchedA.includes("/static/_islands-vendor/altcha/altcha.css"));
    },
  );

  await t.step("the second page solves it too, and they chat", async () => {
    await b.page.getByRole("button", { name: "Start chat" }).click();
    await phase(a.page, "chat");
    await phase(b.page, "chat");
    assert.equal(sentB.length, 2);
    assert.ok(sentB[1].pow);
    const box = a.page.getByRole("textbox", { name: "Message" });
    await box.fill("solved it");
    await box.press("Enter");
    await b.page.locator(".log .line.guest", { hasText: "solved it" })
      .waitFor();
  });

  await t.step("each solution was new", () => {
    assert.notEqual(sentA[1].pow, sentB[1].pow);
  });

  for (const v of [a, b]) {
    assert.deepEqual(v.errors, [], `${v.name}: errors or CSP violations`);
  }
});

browserTest({
  name: "Bot check: the widget shows its progress, in the page's language",
  // A harder puzzle, so that the check is on screen long enough to see.
  config: { powMode: "always", powMaxNumber: 2_000_000, dataDir: ":memory:" },
}, async ({ server, browser }) => {
  const v = await browser.visitor("A", { locale: "ru-RU" });
  await v.open(server.url);
  await v.page.getByRole("button", { name: "Начать чат" }).click();
  await v.page.getByText("Проверяем, что вы не бот…").waitFor();
  await v.page.locator("altcha-widget").getByText(/Идет проверка|Я не робот/)
    .first().waitFor();
  await screenshot(v.page, "pow-checking");
  await v.page.getByRole("button", { name: "Отмена" }).click();
  await phase(v.page, "idle");
  assert.equal(await v.page.locator("altcha-widget").count(), 0);
  assert.deepEqual(v.errors, []);
});

browserTest({
  name: "Bot check off: the widget is never loaded",
  config: { powMode: "off", dataDir: ":memory:" },
}, async ({ server, browser }) => {
  const a = await browser.visitor("A");
  const b = await browser.visitor("B");
  const fetched = powFetches(a.page);
  const sent = requestsSent(a.page);
  await a.open(server.url);
  await b.open(server.url);
  await a.page.getByRole("button", { name: "Start chat" }).click();
  await phase(a.page, "waiting");
  await b.page.getByRole("button", { name: "Start chat" }).click();
  await phase(a.page, "chat");
  assert.deepEqual(fetched, []);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].pow, undefined);
});
