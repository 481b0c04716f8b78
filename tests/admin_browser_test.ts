/**
 * The moderation console in Chromium, on our own server: the sign-in page,
 * a wrong then the right token, a report (made through the server's
 * moderation, one line verified, one not, one hostile) shown with each
 * line marked in words, a ban from it and its audit entry, an unban, a ban
 * by address, a report arriving while the page is open; axe-core clean on
 * both pages; a 360 px phone without sideways scrolling. Needs
 * `deno task build` first.
 *
 * @module
 */

import assert from "node:assert/strict";
import axe from "axe-core";
import type { Page } from "playwright-core";
import {
  browserTest,
  screenshot,
  VIEWPORTS,
  type Visitor,
} from "./browser_helper.ts";
import type { AppState } from "../lib/app_state.ts";
import { identityOf } from "../lib/recent_partners.ts";

const TOKEN = "browser-admin-token-0123456789";
const HOSTILE = '<img src=x onerror="document.title=1">';

/** axe-core's violations on `page`, one line each (injected over CDP). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!await page.evaluate(() => "axe" in globalThis)) {
    await page.evaluate(axe.source);
  }
  return await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const result = await (globalThis as any).axe.run(document);
    // deno-lint-ignore no-explicit-any
    return result.violations.map((v: any) =>
      // deno-lint-ignore no-explicit-any
      `${v.id}: ${v.nodes.map((n: any) => n.target.join(" ")).join(" | ")}`
    );
  }) as string[];
}

/**
 * Errors other than the answers the test provokes: the wrong token's page
 * (401) and the refused ban (400).
 */
function unexpected(v: Visitor): string[] {
  return v.errors.filter((e) => !/status of 40[01] /.test(e));
}

/** Signs `v` in through the form; waits for the console to hydrate. */
async function signIn(v: Visitor, url: string): Promise<void> {
  await v.page.goto(`${url}/admin`);
  await v.page.waitForURL(/\/admin\/login$/);
  await v.page.getByLabel("Admin token").fill(TOKEN);
  await v.page.getByRole("button", { name: "Sign in" }).click();
  await v.page.waitForSelector(".admin-console[data-ready]");
}

function reportAgainst(state: AppState, group: string, message: string) {
  return state.moderation.report({
    reason: "spam",
    note: "kept sending links",
    lines: [
      { from: "guest", message, verified: true },
      { from: "guest", message: HOSTILE, verified: false },
      { from: "me", message: "stop", verified: true },
    ],
    reporter: identityOf(undefined, "192.0.2.200"),
    subjects: [identityOf(undefined, group)],
  });
}

browserTest({
  name: "console: sign in, see a report's lines marked, ban, audit, unban",
  config: { adminToken: TOKEN },
}, async ({ t, server, browser }) => {
  const state = server.handle.state;
  const subject = identityOf(undefined, "198.51.100.23");
  await reportAgainst(state, "198.51.100.23", "visit my site");
  const v = await browser.visitor("operator");
  const { page } = v;

  await t.step("the sign-in page: wrong token said, axe clean", async () => {
    await page.goto(`${server.url}/admin`);
    await page.waitForURL(/\/admin\/login$/);
    assert.deepEqual(await axeViolations(page), [], "sign-in page");
    await page.getByLabel("Admin token").fill("not-the-admin-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("not the admin token").waitFor();
    assert.deepEqual(await axeViolations(page), [], "sign-in with an error");
  });

  await t.step("signing in shows the report, each line marked", async () => {
    await signIn(v, server.url);
    const lines = page.locator(".report .lines li");
    assert.equal(await lines.count(), 3);
    assert.match(
      await lines.nth(0).innerText(),
      /✓ Verified\s+Reported:\s+visit my site/,
    );
    assert.match(await lines.nth(1).innerText(), /✗ Unverified\s+Reported:/);
    assert.equal(
      await lines.nth(1).locator(".text").innerText(),
      HOSTILE,
      "a line is text, never markup",
    );
    assert.equal(await page.locator(".report img").count(), 0);
    assert.match(
      await lines.nth(2).innerText(),
      /✓ Verified\s+Reporter:\s+stop/,
    );
    assert.match(
      await page.locator(".report .note").innerText(),
      /kept sending links/,
    );
    assert.equal(await page.title(), "Moderation · Strangers");
    assert.deepEqual(await axeViolations(page), [], "console");
    await screenshot(page, "admin-console-1280");
  });

  await t.step(
    "Ban bans the reported visitor and the audit says so",
    async () => {
      await page.locator(".report select").selectOption({ label: "1 hour" });
      await page.locator(".report").getByRole("button", { name: "Ban" })
        .click();
      await page.getByRole("status").getByText("Banned the reported visitor.")
        .waitFor();
      await page.getByText("No open reports.").waitFor();
      const ban = state.moderation.banned([subject]);
      assert.ok(ban, "the server holds the ban");
      assert.equal(ban.visible, false);
      assert.equal(ban.until - ban.at, 3_600_000);
      const card = page.locator(".bans .ban");
      assert.equal(await card.count(), 1);
      assert.match(await card.innerText(), /Shadowban/);
      await page.locator(".audit li").filter({ hasText: "admin banned" })
        .waitFor();
    },
  );

  await t.step("Unban lifts it", async () => {
    await page.getByRole("button", { name: /^Unban / }).click();
    await page.getByText("No bans in force.").waitFor();
    assert.equal(state.moderation.banned([subject]), undefined);
    await page.locator(".audit li").filter({ hasText: "admin unbanned" })
      .waitFor();
  });

  await t.step("an address can be banned from the form", async () => {
    await page.getByLabel("IP address").fill("203.0.113.7");
    await page.locator(".ban-form").getByLabel(/^Visible/).check();
    await page.getByLabel("Reason (optional)").fill("bot");
    await page.getByRole("button", { name: "Ban address" }).click();
    await page.locator(".bans .ban").filter({ hasText: "203.0.113.7" })
      .waitFor();
    const ban = state.moderation.banned([identityOf(undefined, "203.0.113.7")]);
    assert.equal(ban?.visible, true);
    assert.equal(ban?.reason, "bot");
    assert.equal(await page.getByLabel("IP address").inputValue(), "");
  });

  await t.step("a refused ban says why", async () => {
    await page.getByLabel("IP address").fill("not an address");
    await page.getByRole("button", { name: "Ban address" }).click();
    await page.getByRole("status").getByText(/address must be/).waitFor();
  });

  await t.step("a new report shows up without a reload", async () => {
    await reportAgainst(state, "198.51.100.77", "second one");
    await page.locator(".report").filter({ hasText: "second one" }).waitFor({
      timeout: 20_000,
    });
    await page.locator(".counts").filter({ hasText: /Open reports\s*1/ })
      .waitFor();
  });

  assert.deepEqual(unexpected(v), []);
});

browserTest({
  name: "console on a 360 px phone: no sideways scroll, big targets, axe clean",
  config: { adminToken: TOKEN },
}, async ({ server, browser }) => {
  await reportAgainst(
    server.handle.state,
    "198.51.100.24",
    "a-very-long-unbroken-line-".repeat(12),
  );
  const v = await browser.visitor("phone", {
    viewport: VIEWPORTS.phone,
    mobile: true,
  });
  await v.page.goto(`${server.url}/admin/login`);
  assert.deepEqual(await axeViolations(v.page), [], "sign-in on a phone");
  await signIn(v, server.url);
  const width = await v.page.evaluate(() =>
    document.documentElement.scrollWidth
  );
  assert.ok(width <= VIEWPORTS.phone.width, `page is ${width} px wide`);
  const small = await v.page.evaluate(() =>
    [
      ...document.querySelectorAll(
        "button, select, input:not([type=checkbox]), label.check",
      ),
    ]
      .map((e) => e.getBoundingClientRect())
      .filter((r) => r.width > 0 && (r.height < 44 && r.width < 44))
      .length
  );
  assert.equal(small, 0, "every control is at least 44 px one way");
  assert.deepEqual(await axeViolations(v.page), [], "console on a phone");
  await screenshot(v.page, "admin-console-360");
  assert.deepEqual(unexpected(v), []);
});
