/**
 * Matching by interests in headless Chromium against a real server: chips
 * typed and edited with the keyboard and remembered after a reload, the
 * request they make, "You both like" on both sides, interests only with
 * Talk to anyone, and Block, during a chat and after it. Needs
 * `deno task build` first.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  browserTest,
  hasChromium,
  screenshot,
  VIEWPORTS,
  type Visitor,
} from "./browser_helper.ts";
import type { TestServer } from "./helpers.ts";

if (!hasChromium()) {
  console.warn("interests browser tests skipped: no /usr/bin/chromium");
}

const BLOCK = "Block: don't match me with this stranger again";

function phase(page: Page, name: string): Promise<unknown> {
  return page.waitForSelector(`.chat[data-phase="${name}"]`);
}

function interestBox(page: Page) {
  return page.getByRole("textbox", { name: "Interests (optional)" });
}

/** The chips shown, in order. */
function chips(page: Page): Promise<string[]> {
  return page.locator(".chips .chip-text").allInnerTexts();
}

/** Types `text` into the chip input as a visitor would, then Enter. */
async function addInterests(v: Visitor, text: string): Promise<void> {
  const box = interestBox(v.page);
  await box.pressSequentially(text);
  await box.press("Enter");
}

/** Every JSON frame the page sends over its WebSockets. */
function framesSent(page: Page): Record<string, unknown>[] {
  const frames: Record<string, unknown>[] = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", (f) => {
      frames.push(JSON.parse(String(f.payload)));
    }));
  return frames;
}

/** Lines of the log that the system says, as shown. */
function systemLines(page: Page): Promise<string[]> {
  return page.locator(".log .line.system .text").allInnerTexts();
}

/** Waits until the server has `count` visitors waiting for a partner. */
async function serverWaiting(server: TestServer, count: number) {
  while (true) {
    const health = await (await fetch(`${server.url}/healthz`)).json();
    if (health.waiting === count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function noErrors(...visitors: Visitor[]): void {
  for (const v of visitors) {
    assert.deepEqual(v.errors, [], `${v.name} had console errors`);
  }
}

browserTest(
  "Interests: chips typed by keyboard, remembered after a reload",
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A", {
      viewport: VIEWPORTS.phone,
      mobile: true,
    });
    const sent = framesSent(a.page);
    await a.open(server.url);
    const box = interestBox(a.page);

    await t.step("a comma or Enter adds a chip, normalised", async () => {
      await box.focus();
      await a.page.keyboard.type("Music,");
      assert.deepEqual(await chips(a.page), ["music"]);
      assert.deepEqual(await box.inputValue(), "");
      await addInterests(a, "  Board   GAMES ");
      assert.deepEqual(await chips(a.page), ["music", "board games"]);
    });

    await t.step("a duplicate is dropped, and said so", async () => {
      await addInterests(a, "MUSIC");
      assert.deepEqual(await chips(a.page), ["music", "board games"]);
      await a.page.getByText("That one is already on your list.").waitFor();
    });

    await t.step("Backspace in the empty input removes the last", async () => {
      await box.press("Backspace");
      assert.deepEqual(await chips(a.page), ["music"]);
    });

    await t.step("five at most; the rest stays in the box", async () => {
      await box.fill("films, travel, chess, jazz, origami,");
      assert.deepEqual(await chips(a.page), [
        "music",
        "films",
        "travel",
        "chess",
        "jazz",
      ]);
      assert.deepEqual(await box.inputValue(), "origami");
      await a.page.getByText("That is 5 already: remove one to add another.")
        .waitFor();
      await box.fill("");
    });

    await t.step(
      "each chip's remove button works from the keyboard",
      async () => {
        await box.focus();
        await a.page.keyboard.press("Shift+Tab");
        assert.deepEqual(
          await a.page.evaluate(() =>
            document.activeElement?.getAttribute("aria-label")
          ),
          "Remove jazz",
        );
        await a.page.keyboard.press("Enter");
        assert.deepEqual(await chips(a.page), [
          "music",
          "films",
          "travel",
          "chess",
        ]);
        assert.ok(
          await box.evaluate((el) => el === document.activeElement),
          "focus did not come back to the input",
        );
        await a.page.getByRole("button", { name: "Remove chess" }).click();
        assert.deepEqual(await chips(a.page), ["music", "films", "travel"]);
      },
    );

    await t.step("interests only is a checkbox, keyboard too", async () => {
      await box.focus();
      await a.page.keyboard.press("Tab");
      await a.page.keyboard.press("Space");
      assert.ok(
        await a.page.getByRole("checkbox", {
          name: "Only people who share my interests",
        }).isChecked(),
      );
    });

    await t.step("fits a 360 px phone", async () => {
      const width = await a.page.evaluate(() =>
        document.documentElement.scrollWidth
      );
      assert.ok(width <= VIEWPORTS.phone.width, `${width} px wide`);
      await box.fill("board games");
      await screenshot(a.page, "interests-idle-360");
      await box.fill("");
    });

    await t.step("a reload brings them back", async () => {
      await a.open(server.url);
      assert.deepEqual(await chips(a.page), ["music", "films", "travel"]);
      assert.ok(
        await a.page.getByRole("checkbox", {
          name: "Only people who share my interests",
        }).isChecked(),
      );
    });

    await t.step("Start sends them, with the token and language", async () => {
      // Text left in the box becomes a chip on Start.
      await box.fill("Chess");
      await a.page.getByRole("button", { name: "Start chat" }).click();
      await phase(a.page, "waiting");
      await a.page.getByText("Waiting for someone who shares your interests")
        .waitFor();
      const request = sent.findLast((f) => f.type === "request")!;
      const token = await a.page.evaluate(() =>
        localStorage.getItem("strangers:token")
      );
      assert.match(token ?? "", /^[A-Za-z0-9_-]{16,64}$/);
      assert.deepEqual(request, {
        type: "request",
        token,
        interests: ["music", "films", "travel", "chess"],
        lang: "en",
        strict: true,
        resume: true,
      });
      const html = await a.page.content();
      assert.ok(!html.includes(token!), "the token is on the page");
      await a.page.getByRole("button", { name: "Cancel" }).click();
      await phase(a.page, "idle");
      assert.deepEqual(await chips(a.page), [
        "music",
        "films",
        "travel",
        "chess",
      ]);
    });
    noErrors(a);
  },
);

browserTest({
  name: "Interests: both sides see what they both like",
  // Their languages differ: the one they share is found after the fallback.
  config: { matchFallback: 1 },
}, async ({ server, browser }) => {
  const a = await browser.visitor("A");
  const b = await browser.visitor("B", {
    locale: "ru-RU",
    viewport: VIEWPORTS.phone,
    mobile: true,
  });
  await a.open(server.url);
  await addInterests(a, "Kayaking, Origami");
  await a.page.getByRole("button", { name: "Start chat" }).click();
  await phase(a.page, "waiting");
  await b.open(server.url);
  const ruBox = b.page.getByRole("textbox", {
    name: "Интересы (по желанию)",
  });
  await ruBox.fill("theremin, origami,");
  await b.page.getByRole("button", { name: "Начать чат" }).click();
  await phase(a.page, "chat");
  await phase(b.page, "chat");
  assert.deepEqual(await systemLines(a.page), [
    "Partner found, say hi",
    "You both like: origami",
  ]);
  assert.deepEqual(await systemLines(b.page), [
    "Собеседник найден — общайтесь",
    "Вам обоим нравится: origami",
  ]);
  await screenshot(b.page, "interests-chat-360-ru");
  const tokens = await Promise.all(
    [a, b].map((v) =>
      v.page.evaluate(() => localStorage.getItem("strangers:token")!)
    ),
  );
  const logs = server.logs.join("\n");
  for (const secret of ["kayaking", "origami", "theremin", ...tokens]) {
    assert.ok(!logs.includes(secret), `the server logged ${secret}`);
  }
  noErrors(a, b);
});

browserTest({
  name: "Interests: interests only waits, then Talk to anyone widens",
  config: { matchFallback: 1 },
}, async ({ t, server, browser }) => {
  const a = await browser.visitor("A");
  const b = await browser.visitor("B");

  await t.step("interests only: nobody is here yet, after 1 s", async () => {
    await a.open(server.url);
    await addInterests(a, "origami");
    await a.page.getByRole("checkbox", {
      name: "Only people who share my interests",
    }).check();
    await a.page.getByRole("button", { name: "Start chat" }).click();
    await a.page.getByText("Waiting for someone who shares your interests")
      .waitFor();
    await b.open(server.url);
    await b.page.getByRole("button", { name: "Start chat" }).click();
    await phase(b.page, "waiting");
    await serverWaiting(server, 2);
    await a.page.getByText("Nobody with these interests is here yet.")
      .waitFor();
    // B has fallen back by now (after 1 s too), yet A is not taken.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await serverWaiting(server, 2);
    assert.deepEqual(
      await a.page.getAttribute(".chat", "data-phase"),
      "waiting",
    );
    await screenshot(a.page, "interests-nobody-1280");
  });

  await t.step("Talk to anyone pairs with whoever waits", async () => {
    await a.page.getByRole("button", { name: "Talk to anyone" }).click();
    await phase(a.page, "chat");
    await phase(b.page, "chat");
    assert.deepEqual(await systemLines(a.page), [
      "Partner found, say hi",
      "Nobody here shared your interests, so this is a random stranger.",
    ]);
    assert.deepEqual(await systemLines(b.page), ["Partner found, say hi"]);
    await a.page.getByRole("button", { name: "End conversation" }).click();
    await phase(b.page, "closed");
  });

  const c = await browser.visitor("C");
  const d = await browser.visitor("D");
  await t.step("without interests only, the fallback pairs alone", async () => {
    await c.open(server.url);
    await addInterests(c, "origami");
    await c.page.getByRole("button", { name: "Start chat" }).click();
    await c.page.getByText("Waiting for someone who shares your interests")
      .waitFor();
    await d.open(server.url);
    await d.page.getByRole("button", { name: "Start chat" }).click();
    await phase(c.page, "chat");
    await phase(d.page, "chat");
    assert.deepEqual(await systemLines(c.page), [
      "Partner found, say hi",
      "Nobody here shared your interests, so this is a random stranger.",
    ]);
  });
  noErrors(a, b, c, d);
});

browserTest({
  name: "Block: the blocked stranger is never the next match",
  // Without recent partners kept apart, only the block keeps A from B.
  config: { matchRecentPartners: 0 },
}, async ({ t, server, browser }) => {
  const a = await browser.visitor("A", {
    viewport: VIEWPORTS.phone,
    mobile: true,
  });
  const b = await browser.visitor("B");
  const c = await browser.visitor("C");

  await t.step("without a block, A and B meet again", async () => {
    await a.open(server.url);
    await b.open(server.url);
    await a.page.getByRole("button", { name: "Start chat" }).click();
    await b.page.getByRole("button", { name: "Start chat" }).click();
    await phase(a.page, "chat");
    await phase(b.page, "chat");
    await a.page.getByRole("button", { name: "Next" }).click();
    await phase(b.page, "closed");
    await b.page.getByRole("button", { name: "Start again" }).click();
    await phase(a.page, "chat");
    await phase(b.page, "chat");
  });

  await t.step("Block in the chat ends it and says so", async () => {
    const block = a.page.getByRole("button", { name: BLOCK });
    const box = await block.boundingBox();
    assert.ok(box && box.width >= 44 && box.height >= 44, "a small target");
    await screenshot(a.page, "block-chat-360");
    await block.click();
    await phase(a.page, "closed");
    await phase(b.page, "closed");
    assert.deepEqual(await systemLines(a.page), [
      "Partner found, say hi",
      "You won't be matched with this stranger again.",
      "Chat closed",
    ]);
    await b.page.getByText("Your partner left.").waitFor();
    assert.deepEqual(
      await a.page.getByRole("button", { name: BLOCK }).count(),
      0,
      "Block is offered again",
    );
  });

  await t.step("A and B start again: they are kept apart", async () => {
    await a.page.getByRole("button", { name: "Start again" }).click();
    await phase(a.page, "waiting");
    await b.page.getByRole("button", { name: "Start again" }).click();
    await phase(b.page, "waiting");
    await serverWaiting(server, 2);
  });

  await t.step("a third visitor pairs with A; B waits", async () => {
    await c.open(server.url);
    await c.page.getByRole("button", { name: "Start chat" }).click();
    await phase(c.page, "chat");
    await phase(a.page, "chat");
    await serverWaiting(server, 1);
    assert.deepEqual(
      await b.page.getAttribute(".chat", "data-phase"),
      "waiting",
    );
  });
  noErrors(a, b, c);
});

browserTest(
  "Block: after a chat, on the ended screen, blocks the last partner",
  async ({ browser, server }) => {
    const a = await browser.visitor("A", {
      viewport: VIEWPORTS.phone,
      mobile: true,
    });
    const b = await browser.visitor("B");
    await a.open(server.url);
    await b.open(server.url);
    await a.page.getByRole("button", { name: "Start chat" }).click();
    await b.page.getByRole("button", { name: "Start chat" }).click();
    await phase(a.page, "chat");
    await b.page.getByRole("button", { name: "End conversation" }).click();
    await phase(a.page, "closed");
    await screenshot(a.page, "block-ended-360");
    await a.page.getByRole("button", { name: BLOCK }).click();
    await a.page.locator(".log").getByText(
      "You won't be matched with this stranger again.",
    ).waitFor();
    await a.page.getByRole("button", { name: BLOCK }).waitFor({
      state: "detached",
    });
    await a.page.waitForFunction(() =>
      document.activeElement?.textContent === "Start again"
    );
    noErrors(a, b);
  },
);
