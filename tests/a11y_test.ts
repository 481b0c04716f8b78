/**
 * Accessibility in Chromium: axe-core on every screen (idle with interests,
 * waiting for a shared interest and nobody sharing it yet, chat with what
 * both like, closed with Block, reconnecting, 404; and safety's: the age
 * gate, the report dialog, the ban screen) in light and dark,
 * English and Russian, on a phone and a desktop, with zero violations;
 * touch targets of at least 44 px on phones; a landscape phone keeps half
 * its height for the conversation. Needs `deno task build` first.
 *
 * @module
 */

import assert from "node:assert/strict";
import axe from "axe-core";
import type { Page } from "playwright-core";
import {
  browserTest,
  type Harness,
  hasChromium,
  launch,
  VIEWPORTS,
  type Visitor,
} from "./browser_helper.ts";
import { startTestServer } from "./helpers.ts";
import { identityOf } from "../lib/recent_partners.ts";

const ignore = !hasChromium();
if (ignore) console.warn("a11y tests skipped: no /usr/bin/chromium");

interface Combo {
  device: "phone" | "desktop";
  scheme: "light" | "dark";
  lang: "en" | "ru";
}

const COMBOS: Combo[] = (["phone", "desktop"] as const).flatMap((device) =>
  (["light", "dark"] as const).flatMap((scheme) =>
    (["en", "ru"] as const).map((lang) => ({ device, scheme, lang }))
  )
);

function label(c: Combo): string {
  return `${c.device} ${c.scheme} ${c.lang}`;
}

function visitor(browser: Harness, name: string, c: Combo): Promise<Visitor> {
  return browser.visitor(name, {
    locale: c.lang === "ru" ? "ru-RU" : "en-US",
    viewport: VIEWPORTS[c.device],
    mobile: c.device === "phone",
    colorScheme: c.scheme,
  });
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the
 * page's CSP need not allow it) and returns its violations, one line each.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!await page.evaluate(() => "axe" in globalThis)) {
    await page.evaluate(axe.source);
  }
  // Let transitions settle: axe reads computed colours.
  await page.evaluate(() => document.getAnimations().forEach((a) => a.finish()))
    .catch(() => {});
  const found = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const result = await (globalThis as any).axe.run(document);
    // deno-lint-ignore no-explicit-any
    return result.violations.map((v: any) =>
      `${v.id}: ${v.help} [${
        // deno-lint-ignore no-explicit-any
        v.nodes.map((n: any) =>
          `${n.target.join(" ")} ${n.failureSummary?.replaceAll("\n", " ")}`
        )
          .join(" | ")}]`
    );
  });
  return found as string[];
}

async function expectClean(page: Page, where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
}

function phase(page: Page, name: string): Promise<unknown> {
  return page.waitForSelector(`.chat[data-phase="${name}"]`);
}

/** Adds interests through the chip input, and sets interests only. */
async function chooseInterests(
  v: Visitor,
  text: string,
  strict = false,
): Promise<void> {
  await v.page.locator("#interest-input").fill(text);
  await v.page.locator("#interest-input").press("Enter");
  if (strict) await v.page.locator(".check input").check();
}

async function say(v: Visitor, text: string): Promise<void> {
  await v.page.locator(".composer textarea").fill(text);
  await v.page.locator(".composer .send").click();
}

browserTest({
  name: "axe-core finds no violation on any screen, scheme, language, device",
  // The wait for a shared interest gives up after 1 s.
  config: { matchFallback: 1 },
}, async ({ t, server, browser }) => {
  for (const c of COMBOS) {
    await t.step(label(c), async () => {
      const a = await visitor(browser, "A", c);
      const b = await visitor(browser, "B", c);
      await a.open(server.url);
      await chooseInterests(
        a,
        "origami, chess, 12345678901234567890123456789012345",
        true,
      );
      await a.page.locator(".field-problem").getByText(/32/).waitFor();
      await expectClean(a.page, `idle, ${label(c)}`);
      await a.page.locator(".screen.idle .button.primary").click();
      await phase(a.page, "waiting");
      await expectClean(a.page, `waiting, ${label(c)}`);
      await a.page.locator(".screen.wait .button.primary").waitFor();
      await expectClean(a.page, `nobody shares yet, ${label(c)}`);
      await b.open(server.url);
      await chooseInterests(b, "chess");
      await b.page.locator(".screen.idle .button.primary").click();
      await phase(a.page, "chat");
      await phase(b.page, "chat");
      await a.page.locator(".log .line.common").waitFor();
      await say(a, "Hi there! 👋");
      await b.page.locator(".log .line.guest").waitFor();
      await say(b, "Hello, how are you?");
      await a.page.locator(".log .line.guest").waitFor();
      await a.page.locator(".log .line.me:not(.pending)").first()
        .waitFor();
      await expectClean(a.page, `chat, ${label(c)}`);
      await b.page.locator(".composer .button.danger").click();
      await phase(b.page, "closed");
      await phase(a.page, "closed");
      await expectClean(a.page, `closed (partner left), ${label(c)}`);
      await expectClean(b.page, `closed (ended), ${label(c)}`);
      await a.page.goto(`${server.url}/no-such-page`);
      await expectClean(a.page, `404, ${label(c)}`);
      // The 404 page's own status is the one error a console shows.
      assert.deepEqual(a.errors.filter((e) => !/404/.test(e)), []);
      await a.context.close();
      await b.context.close();
    });
  }
});

browserTest({
  name:
    "axe-core finds no violation on the age gate, report dialog, ban screen",
  config: { ageGate: true, termsUrl: "/static/terms.html", powMode: "off" },
}, async ({ t, server, browser }) => {
  for (const c of COMBOS) {
    await t.step(label(c), async () => {
      const a = await visitor(browser, "A", c);
      const b = await visitor(browser, "B", c);
      for (const v of [a, b]) {
        await v.open(server.url);
        await v.page.locator(".age-gate input").check();
      }
      await expectClean(a.page, `age gate, ${label(c)}`);
      await a.page.locator(".screen.idle .button.primary").click();
      await phase(a.page, "waiting");
      await b.page.locator(".screen.idle .button.primary").click();
      await phase(a.page, "chat");
      await say(a, "Hi there! 👋");
      await b.page.locator(".log .line.guest").waitFor();
      await a.page.locator(".bar .report").click();
      await a.page.locator("dialog[open] input[type=radio]").first().check();
      await expectClean(a.page, `report dialog, ${label(c)}`);
      await a.page.keyboard.press("Escape");
      await a.page.locator("dialog[open]").waitFor({ state: "detached" });
      const token = await a.page.evaluate(() =>
        localStorage.getItem("strangers:token")
      );
      await server.handle.state.moderation.ban({
        subject: identityOf(token!, ""),
        label: "a11y",
        seconds: 60,
        visible: true,
        reason: "a11y",
      }, "test");
      await a.page.locator(".composer .button.danger").click();
      await phase(a.page, "closed");
      await a.page.locator(".ended .button.primary").click();
      await a.page.locator(".screen.banned").waitFor();
      await expectClean(a.page, `ban screen, ${label(c)}`);
      assert.deepEqual(a.errors, []);
      await a.context.close();
      await b.context.close();
    });
  }
});

Deno.test({
  name: "axe-core finds no violation on the reconnecting screen",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const browser = await launch();
    try {
      for (const c of COMBOS) {
        await t.step(label(c), async () => {
          const server = await startTestServer();
          try {
            const v = await visitor(browser, "A", c);
            await v.open(server.url);
            await v.page.locator(".screen.idle .button.primary").click();
            await phase(v.page, "waiting");
            await server.stop();
            await phase(v.page, "reconnecting");
            await expectClean(v.page, `reconnecting, ${label(c)}`);
            await v.context.close();
          } finally {
            await server.stop();
          }
        });
      }
    } finally {
      await browser.close();
    }
  },
});

/** The sizes of the boxes shown (not those of a closed dialog), in CSS px. */
async function sizes(page: Page, selector: string) {
  return await page.locator(selector).evaluateAll((els) =>
    els.filter((el) => el.getClientRects().length > 0).map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent, width: r.width, height: r.height };
    })
  );
}

browserTest(
  "phones: touch targets are at least 44 px; landscape keeps the log",
  async ({ t, server, browser }) => {
    const c: Combo = { device: "phone", scheme: "light", lang: "en" };
    const a = await visitor(browser, "A", c);
    const b = await visitor(browser, "B", c);
    const targets = "a[href], button, textarea";
    await t.step("idle screen", async () => {
      await a.open(server.url);
      await chooseInterests(a, "origami");
      for (const s of await sizes(a.page, `${targets}, .check`)) {
        assert.ok(s.width >= 44 && s.height >= 44, JSON.stringify(s));
      }
    });
    await t.step("chat screen", async () => {
      await a.page.locator(".screen.idle .button.primary").click();
      await b.open(server.url);
      await chooseInterests(b, "origami");
      await b.page.locator(".screen.idle .button.primary").click();
      await phase(a.page, "chat");
      for (const s of await sizes(a.page, targets)) {
        assert.ok(s.width >= 44 && s.height >= 44, JSON.stringify(s));
      }
    });
    await t.step("report dialog", async () => {
      await a.page.locator(".bar .report").click();
      const shown = await sizes(
        a.page,
        "dialog[open] button, dialog[open] textarea, dialog[open] .check",
      );
      assert.equal(shown.length, 2 + 1 + 5);
      for (const s of shown) {
        assert.ok(s.width >= 44 && s.height >= 44, JSON.stringify(s));
      }
      await a.page.keyboard.press("Escape");
      await a.page.locator("dialog[open]").waitFor({ state: "detached" });
    });
    await t.step("landscape: the log keeps half the height", async () => {
      await a.page.setViewportSize({ width: 740, height: 360 });
      const [log] = await sizes(a.page, ".log");
      assert.ok(log.height >= 180, `log is ${log.height} px of 360`);
      const box = await a.page.locator(".composer textarea").boundingBox();
      assert.ok(box && box.y + box.height <= 360, "the input is on screen");
    });
  },
);
