/**
 * Safety in the visitor's page, in headless Chromium against a real server
 * (reports and bans in memory, no proof of work): Report during a chat and
 * after it, with the stored report's lines verified against what was
 * relayed; a link held back in a chat's first lines; a visible ban's
 * screen; the age and terms gate, remembered after a reload. Needs
 * `deno task build` first.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { identityOf } from "../lib/recent_partners.ts";
import {
  browserTest,
  hasChromium,
  screenshot,
  VIEWPORTS,
  type Visitor,
} from "./browser_helper.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

if (!hasChromium()) {
  console.warn("report browser tests skipped: no /usr/bin/chromium");
}

/** Reports and bans in memory; no bot check, so that pages pair at once. */
const CONFIG = { powMode: "off", dataDir: ":memory:" } as const;

function phase(page: Page, name: string): Promise<unknown> {
  return page.waitForSelector(`.chat[data-phase="${name}"]`);
}

async function start(v: Visitor): Promise<void> {
  await v.page.getByRole("button", { name: "Start chat" }).click();
}

/** Two visitors in a chat with each other. */
async function chatting(
  server: TestServer,
  a: Visitor,
  b: Visitor,
): Promise<void> {
  await a.open(server.url);
  await b.open(server.url);
  await start(a);
  await phase(a.page, "waiting");
  await start(b);
  await phase(a.page, "chat");
  await phase(b.page, "chat");
}

/** Sends `text` from `from` and waits until `to` shows it. */
async function say(from: Visitor, to: Visitor, text: string): Promise<void> {
  const box = from.page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
  await to.page.locator(".log .line.guest .text", { hasText: text }).waitFor();
  await from.page.locator(".log .line.me:not(.pending) .text", {
    hasText: text,
  }).waitFor();
}

type Frame = Record<string, unknown>;

/** The frames the page sends, one list per WebSocket it opens. */
function framesBySocket(page: Page): Frame[][] {
  const sockets: Frame[][] = [];
  page.on("websocket", (ws) => {
    const frames: Frame[] = [];
    sockets.push(frames);
    ws.on("framesent", (f) => frames.push(JSON.parse(String(f.payload))));
  });
  return sockets;
}

/** The types of each socket's frames, e.g. `["presence", "request"]`. */
function types(sockets: Frame[][]): string[][] {
  return sockets.map((frames) => frames.map((f) => String(f.type)));
}

function noErrors(...visitors: Visitor[]): void {
  for (const v of visitors) {
    assert.deepEqual(v.errors, [], `${v.name} had console errors`);
  }
}

browserTest(
  {
    name: "Report: during a chat, the report is taken and both chats end",
    config: CONFIG,
  },
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A");
    const b = await browser.visitor("B");
    const sockets = framesBySocket(a.page);
    await chatting(server, a, b);

    await t.step("a link in the chat's first lines is held back", async () => {
      const box = b.page.getByRole("textbox", { name: "Message" });
      await box.fill("buy followers at example.com/cheap");
      await box.press("Enter");
      await b.page.getByText(
        "Not sent: Links, @handles and phone numbers are held back in the first lines of a chat.",
      ).waitFor();
      assert.equal(
        await box.inputValue(),
        "buy followers at example.com/cheap",
        "the held-back line left the box",
      );
      await box.fill("");
    });

    await t.step("lines relayed both ways", async () => {
      await say(a, b, "hi there");
      await say(b, a, "you are an idiot");
      await say(a, b, "please stop");
    });

    await t.step(
      "Esc closes the dialog, and is not the chat's Esc",
      async () => {
        const report = a.page.getByRole("button", {
          name: "Report",
          exact: true,
        });
        await report.click();
        await a.page.locator("dialog[open]").waitFor();
        await a.page.keyboard.press("Escape");
        await a.page.locator("dialog[open]").waitFor({ state: "detached" });
        // Had the dialog's Esc counted, this one would end the chat.
        await a.page.keyboard.press("Escape");
        // Focus went back to Report.
        assert.equal(
          await a.page.evaluate(() =>
            document.activeElement?.classList.contains("report")
          ),
          true,
        );
        // The chat is still on: a line goes through.
        await say(a, b, "still here");
      },
    );

    await t.step("Report opens a dialog that names its choices", async () => {
      await a.page.getByRole("button", { name: "Report", exact: true })
        .click();
      const dialog = a.page.getByRole("dialog", {
        name: "Report this stranger",
      });
      await dialog.waitFor();
      // Send without a reason does nothing: a reason is required.
      await dialog.getByRole("button", { name: "Send report" }).click();
      assert.equal(await dialog.isVisible(), true);
      await dialog.getByRole("radio", { name: "Harassment, threats or hate" })
        .check();
      await dialog.getByRole("textbox", { name: "Anything to add? (optional)" })
        .fill("insults after hello");
      await screenshot(a.page, "report-dialog");
    });

    await t.step("Send: confirmed, and the chat ends for both", async () => {
      await a.page.getByRole("button", { name: "Send report" }).click();
      await phase(a.page, "closed");
      await a.page.locator(".ended [role=status]", {
        hasText: "Thanks — your report was sent. The chat has ended.",
      }).waitFor();
      assert.equal(await a.page.locator("dialog").isVisible(), false);
      await a.page.locator(".log .line.close", {
        hasText: "You reported this stranger.",
      }).waitFor();
      await phase(b.page, "closed");
      await b.page.getByText("Your partner left.").waitFor();
      // Sent on the chat's own socket, after its lines.
      const chat = types(sockets).find((s) => s.includes("request"));
      assert.equal(chat?.at(-1), "report", JSON.stringify(types(sockets)));
      assert.equal(
        types(sockets).flat().filter((t) => t === "report").length,
        1,
      );
      assert.equal(
        await a.page.getByRole("button", { name: "Report", exact: true })
          .count(),
        0,
        "Report is still offered for a reported chat",
      );
      await screenshot(a.page, "report-sent");
    });

    await t.step(
      "the stored report has the relayed lines verified",
      async () => {
        const reports = await server.handle.state.moderation.store.reports();
        assert.equal(reports.length, 1);
        const [report] = reports;
        assert.equal(report.reason, "harassment");
        assert.equal(report.note, "insults after hello");
        assert.deepEqual(report.lines, [
          { from: "me", message: "hi there", verified: true },
          { from: "guest", message: "you are an idiot", verified: true },
          { from: "me", message: "please stop", verified: true },
          { from: "me", message: "still here", verified: true },
        ]);
        // The report is about B: its browser token is one of the subjects.
        const token = await b.page.evaluate(() =>
          localStorage.getItem("strangers:token")
        );
        assert.ok(token && report.subjects.includes(identityOf(token, "")));
      },
    );
    noErrors(a, b);
  },
);

browserTest(
  { name: "Report: after the chat, from the ended screen", config: CONFIG },
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A", {
      viewport: VIEWPORTS.phone,
      mobile: true,
    });
    const b = await browser.visitor("B");
    const sockets = framesBySocket(a.page);
    await chatting(server, a, b);
    await say(b, a, "hello, send me your photos");

    await t.step("the stranger leaves; Report stays on offer", async () => {
      await b.page.getByRole("button", { name: "End conversation" }).click();
      await phase(a.page, "closed");
      await a.page.locator(".ended").getByRole("button", {
        name: "Report",
        exact: true,
      }).click();
    });

    await t.step("the report goes on a socket of its own", async () => {
      const dialog = a.page.locator("dialog");
      await dialog.getByRole("radio", { name: "Unwanted sexual content" })
        .check();
      await dialog.getByRole("button", { name: "Send report" }).click();
      await a.page.locator(".ended [role=status]", {
        hasText: "Thanks — your report was sent.",
      }).waitFor();
      const reporting = types(sockets).filter((s) => s[0] === "report");
      assert.deepEqual(reporting, [["report"]], JSON.stringify(types(sockets)));
      const [frame] = sockets.find((s) => s[0]?.type === "report")!;
      assert.deepEqual(frame.lines, [
        { from: "guest", message: "hello, send me your photos" },
      ]);
      assert.match(String(frame.token), /^[A-Za-z0-9_-]{32}$/);
      assert.equal(await dialog.isVisible(), false);
      await phase(a.page, "closed");
    });

    await t.step("stored with the stranger's line verified", async () => {
      const [report, ...more] = await server.handle.state.moderation.store
        .reports();
      assert.equal(more.length, 0);
      assert.equal(report.reason, "sexual");
      assert.deepEqual(report.lines, [
        {
          from: "guest",
          message: "hello, send me your photos",
          verified: true,
        },
      ]);
    });
    noErrors(a, b);
  },
);

browserTest(
  {
    name: "A visible ban shows its screen and never reconnects",
    config: CONFIG,
  },
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A");
    await a.open(server.url);
    const token = await a.page.evaluate(() =>
      localStorage.getItem("strangers:token")
    );
    assert.ok(token);
    await server.handle.state.moderation.ban({
      subject: identityOf(token, ""),
      label: "test",
      seconds: 3600,
      visible: true,
      reason: "spam",
    }, "test");
    const sockets: string[] = [];
    a.page.on("websocket", (ws) => sockets.push(ws.url()));

    await t.step(
      "Start: the ban screen, with the server's reason",
      async () => {
        await start(a);
        await a.page.getByRole("heading", {
          name: "You can't chat here right now",
        }).waitFor();
        await a.page.locator(".ban-reason", { hasText: /^banned until / })
          .waitFor();
        await screenshot(a.page, "banned");
      },
    );

    await t.step("nothing tries again by itself", async () => {
      const opened = sockets.length;
      // The quickest reconnect (500 ms) would have opened one by now.
      await a.page.waitForTimeout(1500);
      assert.equal(sockets.length, opened);
      assert.equal(
        await a.page.locator(".chat").getAttribute("data-phase"),
        "idle",
      );
    });

    await t.step("Back to start shows the start screen", async () => {
      await a.page.getByRole("button", { name: "Back to start" }).click();
      await a.page.getByRole("button", { name: "Start chat" }).waitFor();
    });
  },
);

browserTest(
  {
    name: "The age gate holds Start until ticked, and is remembered",
    config: { ...CONFIG, ageGate: true, termsUrl: "/static/terms.html" },
  },
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A", { locale: "ru-RU" });
    const sockets = framesBySocket(a.page);
    await a.open(server.url);
    const gate = a.page.getByRole("checkbox", {
      name: "Мне 18 лет или больше, и я принимаю условия",
    });
    const startButton = a.page.getByRole("button", { name: "Начать чат" });

    await t.step("Start is off until the box is ticked", async () => {
      assert.equal(await gate.isChecked(), false);
      assert.equal(await startButton.isDisabled(), true);
      assert.equal(
        await a.page.locator(".age-gate a").getAttribute("href"),
        "/static/terms.html",
      );
      await startButton.click({ force: true });
      assert.equal(
        await a.page.locator(".chat").getAttribute("data-phase"),
        "idle",
      );
      assert.ok(!types(sockets).flat().includes("request"));
    });

    await t.step("ticked by keyboard, Start works", async () => {
      await gate.focus();
      await a.page.keyboard.press("Space");
      assert.equal(await gate.isChecked(), true);
      await startButton.click();
      await phase(a.page, "waiting");
      await a.page.getByRole("button", { name: "Отмена" }).click();
      await phase(a.page, "idle");
    });

    await t.step("remembered after a reload", async () => {
      await a.open(server.url);
      assert.equal(await gate.isChecked(), true);
      assert.equal(await startButton.isDisabled(), false);
    });

    await t.step("off by default: no gate", async () => {
      await server.stop();
      const plain = await startTestServer(CONFIG);
      try {
        const b = await browser.visitor("B");
        await b.open(plain.url);
        assert.equal(await b.page.locator(".age-gate").count(), 0);
        assert.equal(
          await b.page.getByRole("button", { name: "Start chat" })
            .isDisabled(),
          false,
        );
      } finally {
        await plain.stop();
      }
    });
  },
);
