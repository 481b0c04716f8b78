import assert from "node:assert/strict";
/**
 * Browser tests of the chat island in headless Chromium against a real
 * server: visitors in isolated contexts pair, talk, type, switch partners,
 * leave, and the page speaks Russian and English. Screenshots go to
 * `tests/screenshots/`. Needs `deno task build` first.
 *
 * @module
 */

import type { Page } from "playwright-core";
import {
  browserTest,
  hasChromium,
  screenshot,
  VIEWPORTS,
  type Visitor,
} from "./browser_helper.ts";
import { startTestServer } from "./helpers.ts";

if (!hasChromium()) console.warn("browser tests skipped: no /usr/bin/chromium");

function phase(page: Page, name: string): Promise<unknown> {
  return page.waitForSelector(`.chat[data-phase="${name}"]`);
}

async function start(visitor: Visitor): Promise<void> {
  await visitor.page.getByRole("button", { name: "Start chat" }).click();
}

async function say(visitor: Visitor, text: string): Promise<void> {
  const box = visitor.page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Control+Enter");
}

function lastLine(page: Page, kind: "me" | "guest"): Promise<string> {
  return page.locator(`.log .line.${kind} .text`).last().innerText();
}

/** Whether the server would admit a handshake from here now. */
async function admitted(url: string): Promise<boolean> {
  const res = await fetch(`${url}/ws/admission`);
  return (await res.json()).ok === true;
}

/** Whether the page would ask before unloading now. */
function asksBeforeLeaving(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const e = new Event("beforeunload", { cancelable: true });
    dispatchEvent(e);
    return e.defaultPrevented;
  });
}

/** Clicks Save conversation and reads the downloaded file. */
async function saveConversation(page: Page): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Save conversation" }).click(),
  ]);
  assert.match(
    download.suggestedFilename(),
    /^strangers-\d{4}-\d\d-\d\d-\d{4}\.txt$/,
  );
  return await Deno.readTextFile(await download.path());
}

function noErrors(...visitors: Visitor[]): void {
  for (const v of visitors) {
    assert.deepEqual(v.errors, [], `${v.name} had console errors`);
  }
}

browserTest(
  "Chat island: two strangers pair, talk and part in Chromium",
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A");
    const b = await browser.visitor("B");

    await t.step(
      "idle screen: welcome, Start chat, online count",
      async () => {
        await a.open(server.url);
        await a.page.getByRole("heading", { name: "Welcome to our chat!" })
          .waitFor();
        await a.page.getByText(/\d+ online/).waitFor();
        assert.deepEqual(await a.page.getAttribute("html", "lang"), "en");
        await a.page.setViewportSize(VIEWPORTS.phone);
        await screenshot(a.page, "idle-360");
        await a.page.setViewportSize(VIEWPORTS.desktop);
        await screenshot(a.page, "idle-1280");
      },
    );

    await t.step(
      "Start: connecting, then waiting for a partner",
      async () => {
        await start(a);
        await phase(a.page, "waiting");
        await a.page.getByText("Waiting for a partner").waitFor();
        await a.page.getByText("1 online").waitFor();
        await screenshot(a.page, "waiting-1280");
        await a.page.setViewportSize(VIEWPORTS.phone);
        await screenshot(a.page, "waiting-360");
        await a.page.setViewportSize(VIEWPORTS.desktop);
      },
    );

    await t.step("Cancel stops waiting; focus returns to Start", async () => {
      await a.page.getByRole("button", { name: "Cancel" }).click();
      await phase(a.page, "idle");
      await a.page.waitForFunction(() =>
        document.activeElement?.textContent === "Start chat"
      );
      await a.page.keyboard.press("Enter");
      await phase(a.page, "waiting");
      await a.page.keyboard.press("Escape");
      await phase(a.page, "idle");
      await start(a);
      await phase(a.page, "waiting");
    });

    await t.step("both reach chat, focus moves to the textarea", async () => {
      await b.open(server.url);
      await start(b);
      for (const v of [a, b]) {
        await phase(v.page, "chat");
        await v.page.locator(".log").getByText("Partner found, say hi")
          .waitFor();
        await v.page.waitForFunction(() =>
          document.activeElement?.tagName === "TEXTAREA"
        );
      }
      assert.deepEqual(
        await a.page.getAttribute(".log", "role"),
        "log",
      );
      assert.deepEqual(
        await a.page.getAttribute(".log", "aria-live"),
        "polite",
      );
    });

    await t.step(
      "typing shows at once on the first keystroke after a send",
      async () => {
        await say(a, "hello");
        await b.page.locator(".log .line.guest").first().waitFor();
        await b.page.evaluate(() => {
          const w = window as unknown as { typingAt: number };
          w.typingAt = 0;
          const typing = document.querySelector(".typing")!;
          new MutationObserver(() => {
            if (!w.typingAt && typing.textContent) w.typingAt = Date.now();
          }).observe(typing, { subtree: true, childList: true });
        });
        const box = a.page.getByRole("textbox", { name: "Message" });
        await box.focus();
        const before = await a.page.evaluate(() => Date.now());
        await a.page.keyboard.press("k");
        await b.page.waitForFunction(() =>
          (window as unknown as { typingAt: number }).typingAt > 0
        );
        const at = await b.page.evaluate(() =>
          (window as unknown as { typingAt: number }).typingAt
        );
        console.log(`typing indicator after ${at - before} ms`);
        // The throttle sends the first hint at once (chat_store_test shows
        // it with a fake clock); the round trip through the server is
        // measured here, with room for a machine busy with other tests (a
        // throttled hint would come ~2 s late).
        assert.ok(at - before < 500, `indicator after ${at - before} ms`);
        await box.fill("");
      },
    );

    await t.step("typing indicator appears and disappears", async () => {
      const box = a.page.getByRole("textbox", { name: "Message" });
      const indicator = b.page.getByText("Stranger is typing…");
      await box.pressSequentially("hel");
      await indicator.waitFor();
      await box.fill("");
      await indicator.waitFor({ state: "detached" });
    });

    await t.step(
      "our line shows pending at once, the echo confirms it",
      async () => {
        await a.page.evaluate(() => {
          const w = window as unknown as {
            trace: string[];
            observer: MutationObserver;
          };
          w.trace = [];
          const root = document.querySelector(".chat")!;
          w.observer = new MutationObserver(() => {
            const pending = root.querySelectorAll(".line.me.pending").length;
            const done = root.querySelectorAll(".line.me:not(.pending)").length;
            const locked = root.querySelector("textarea")?.readOnly;
            w.trace.push(`${pending}/${done}${locked ? ":locked" : ""}`);
          });
          w.observer.observe(root, {
            subtree: true,
            childList: true,
            attributes: true,
          });
        });
        await say(a, "line one\nline two");
        await a.page.locator(".log .line.me:not(.pending)").nth(1).waitFor();
        const trace = await a.page.evaluate(() => {
          const w = window as unknown as {
            trace: string[];
            observer: MutationObserver;
          };
          w.observer.disconnect();
          return w.trace;
        });
        assert.ok(trace.includes("1/1"), `never pending: ${trace}`);
        assert.deepEqual(trace.at(-1), "0/2", `not confirmed: ${trace}`);
        assert.ok(
          !trace.some((x) => x.endsWith("locked")),
          `locked: ${trace}`,
        );
      },
    );

    await t.step("newlines arrive intact on the other side", async () => {
      await b.page.locator(".log .line.guest").nth(1).waitFor();
      assert.deepEqual(await lastLine(b.page, "guest"), "line one\nline two");
      assert.deepEqual(await lastLine(a.page, "me"), "line one\nline two");
    });

    await t.step("an XSS payload arrives as literal text", async () => {
      const payload = `<img src=x onerror="window.pwned=1"><b>bold</b>`;
      await say(a, payload);
      await b.page.locator(".log .line.guest").nth(2).waitFor();
      assert.deepEqual(await lastLine(b.page, "guest"), payload);
      assert.deepEqual(await b.page.locator(".log img, .log b").count(), 0);
      assert.deepEqual(
        await b.page.evaluate(() => "pwned" in window),
        false,
      );
    });

    await t.step("Enter sends, Shift+Enter makes a new line", async () => {
      const box = a.page.getByRole("textbox", { name: "Message" });
      assert.match(
        (await box.getAttribute("placeholder")) ?? "",
        /Enter sends/,
      );
      await box.pressSequentially("first");
      await box.press("Shift+Enter");
      await box.pressSequentially("second");
      await box.press("Enter");
      await b.page.locator(".log").getByText("second", { exact: false })
        .waitFor();
      assert.deepEqual(await lastLine(b.page, "guest"), "first\nsecond");
      assert.deepEqual(await box.inputValue(), "");
    });

    await t.step("the language switches in place during a chat", async () => {
      await a.page.evaluate(() => {
        (window as unknown as { samePage: boolean }).samePage = true;
      });
      await a.page.getByRole("link", { name: "RU" }).click();
      await a.page.getByRole("button", { name: "Закончить разговор" })
        .waitFor();
      assert.deepEqual(await a.page.getAttribute("html", "lang"), "ru");
      assert.deepEqual(
        await a.page.getAttribute('a[hreflang="ru"]', "href"),
        "?lang=ru",
      );
      assert.ok(
        (await a.context.cookies()).some((c) =>
          c.name === "lang" && c.value === "ru"
        ),
        "no lang cookie",
      );
      await a.page.getByRole("link", { name: "EN" }).click();
      await a.page.getByRole("button", { name: "End conversation" })
        .waitFor();
      assert.ok(
        await a.page.evaluate(() =>
          (window as unknown as { samePage?: boolean }).samePage === true
        ),
        "the page reloaded",
      );
      await phase(a.page, "chat");
    });

    await t.step("leaving during a chat asks first", async () => {
      assert.ok(await asksBeforeLeaving(a.page), "no beforeunload in chat");
      const dialog = new Promise<string>((resolve) =>
        a.page.once("dialog", (d) => {
          resolve(d.type());
          void d.dismiss();
        })
      );
      await a.page.close({ runBeforeUnload: true });
      assert.deepEqual(await dialog, "beforeunload");
      await phase(a.page, "chat");
    });

    await t.step("Save conversation downloads the log as text", async () => {
      const text = await saveConversation(a.page);
      assert.match(text, /Partner found, say hi/);
      assert.match(text, /\] You: line one\n {4}line two\n/);
    });

    await t.step("the title flashes while the page is hidden", async () => {
      const original = await a.page.title();
      await a.setHidden(true);
      await say(b, "are you there?");
      await a.page.waitForFunction(
        () => document.title === "***MESSAGE***",
        null,
        { polling: 50, timeout: 5000 },
      );
      await a.setHidden(false);
      await a.page.waitForFunction(
        (t) => document.title === t,
        original,
        { polling: 50 },
      );
      assert.deepEqual(await lastLine(a.page, "guest"), "are you there?");
    });

    await t.step(
      "a line over the limit stays in the box, counted",
      async () => {
        const box = a.page.getByRole("textbox", { name: "Message" });
        await box.fill("x".repeat(1500));
        assert.deepEqual(await a.page.locator(".counter").count(), 0);
        await box.fill("x".repeat(1700));
        await a.page.getByText("300 characters left").waitFor();
        await say(a, "x".repeat(2001));
        await a.page.getByRole("alert").getByText(
          "Not sent: That message is too long.",
        ).waitFor();
        await a.page.getByText("1 characters too many").waitFor();
        assert.deepEqual((await box.inputValue()).length, 2001);
        await box.fill("");
      },
    );

    await t.step("screenshots of the chat", async () => {
      await say(b, "Hi! Where are you from?");
      await a.page.locator(".log").getByText("Where are you from?", {
        exact: false,
      }).waitFor();
      await a.page.getByRole("textbox", { name: "Message" }).fill(
        "Berlin. And you?",
      );
      await screenshot(a.page, "chat-1280");
      await a.page.setViewportSize(VIEWPORTS.phone);
      await screenshot(a.page, "chat-360");
      await a.page.emulateMedia({ colorScheme: "dark" });
      await screenshot(a.page, "chat-360-dark");
      await a.page.emulateMedia({ colorScheme: "light" });
      await a.page.setViewportSize(VIEWPORTS.desktop);
      await a.page.getByRole("textbox", { name: "Message" }).fill("");
    });

    await t.step("the log follows new lines unless scrolled up", async () => {
      await b.page.setViewportSize(VIEWPORTS.phone);
      const long = Array.from({ length: 40 }, (_, i) => `row ${i}`).join(
        "\n",
      );
      await say(a, long);
      await b.page.locator(".log").getByText("row 39", { exact: false })
        .waitFor();
      const atBottom = () =>
        b.page.$eval(
          ".log",
          (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2,
        );
      assert.ok(await atBottom(), "log did not follow the newest line");
      await b.page.$eval(".log", (el) => {
        el.scrollTop = 0;
        el.dispatchEvent(new Event("scroll"));
      });
      await say(a, "while you read");
      await b.page.locator(".log").getByText("while you read").waitFor();
      assert.deepEqual(await b.page.$eval(".log", (el) => el.scrollTop), 0);
      await b.page.$eval(".log", (el) => {
        el.scrollTop = el.scrollHeight;
        el.dispatchEvent(new Event("scroll"));
      });
      await say(a, "back at the bottom");
      await b.page.locator(".log").getByText("back at the bottom").waitFor();
      assert.ok(await atBottom(), "log did not follow after scrolling down");
      await b.page.setViewportSize(VIEWPORTS.desktop);
    });

    const c = await browser.visitor("C");
    await t.step("Next pairs with a third visitor", async () => {
      await c.open(server.url);
      await start(c);
      await phase(c.page, "waiting");
      await a.page.getByRole("button", { name: "Next" }).click();
      await phase(a.page, "chat");
      await phase(c.page, "chat");
      await phase(b.page, "closed");
      await b.page.getByText("Conversation ended.").waitFor();
      await b.page.getByText("Your partner left.").waitFor();
      assert.deepEqual(
        await b.page.locator(".log .line.system .text").allInnerTexts(),
        ["Partner found, say hi", "Your partner left."],
        "partner left is more than one line",
      );
      assert.deepEqual(await asksBeforeLeaving(b.page), false);
    });

    await t.step("Esc twice ends the chat", async () => {
      await a.page.getByRole("textbox", { name: "Message" }).focus();
      await a.page.keyboard.press("Escape");
      await a.page.keyboard.press("Escape");
      await phase(a.page, "closed");
      await phase(c.page, "closed");
      await a.page.waitForFunction(() =>
        document.activeElement?.textContent === "Start again"
      );
      assert.match(await saveConversation(a.page), /\] Chat closed\n$/);
    });

    await t.step(
      "closing a tab ends the partner's conversation",
      async () => {
        await b.page.getByRole("button", { name: "Start again" }).click();
        await phase(b.page, "waiting");
        await c.page.getByRole("button", { name: "Start again" }).click();
        await phase(b.page, "chat");
        await phase(c.page, "chat");
        await c.page.close();
        await phase(b.page, "closed");
        await b.page.getByText("Conversation ended.").waitFor();
        await b.page.locator(".log").getByText("Your partner left.")
          .waitFor();
      },
    );

    noErrors(a, b);
    const cErrors = c.errors;
    assert.deepEqual(cErrors, [], "C had console errors");
  },
);

browserTest(
  "Chat island: Russian and English render their own texts",
  async ({ t, server, browser }) => {
    const ru = await browser.visitor("ru", { locale: "ru-RU" });
    const en = await browser.visitor("en", { locale: "en-US" });
    await t.step("Accept-Language picks Russian", async () => {
      await ru.open(server.url);
      assert.deepEqual(await ru.page.getAttribute("html", "lang"), "ru");
      await ru.page.getByRole("heading", {
        name: "Добро пожаловать в наш чат!",
      }).waitFor();
      await ru.page.getByRole("button", { name: "Начать чат" }).click();
      await ru.page.getByText("Ожидание собеседника").waitFor();
    });
    await t.step("a Russian chat speaks Russian", async () => {
      const ru2 = await browser.visitor("ru2", {
        locale: "ru-RU",
        viewport: VIEWPORTS.phone,
      });
      await ru2.open(server.url);
      await ru2.page.getByRole("button", { name: "Начать чат" }).click();
      await phase(ru2.page, "chat");
      await ru2.page.getByText("Собеседник найден — общайтесь").waitFor();
      // A phone: Enter makes a new line, Send sends, no shortcut named.
      const phoneBox = ru2.page.getByRole("textbox", { name: "Сообщение" });
      assert.deepEqual(
        await phoneBox.getAttribute("placeholder"),
        "Введите сообщение",
      );
      await phoneBox.pressSequentially("да");
      await phoneBox.press("Enter");
      await phoneBox.pressSequentially("нет");
      assert.deepEqual(await phoneBox.inputValue(), "да\nнет");
      await ru2.page.getByRole("button", { name: "Отправить" }).click();
      await ru.page.locator(".log .line.guest").getByText("нет", {
        exact: false,
      }).waitFor();
      const box = ru.page.getByRole("textbox", { name: "Сообщение" });
      await box.fill("Привет!\nКак дела?");
      await ru.page.getByRole("button", { name: "Отправить" }).click();
      await ru2.page.locator(".log .line.guest").waitFor();
      assert.deepEqual(
        await lastLine(ru2.page, "guest"),
        "Привет!\nКак дела?",
      );
      await ru2.page.getByRole("button", { name: "Закончить разговор" })
        .waitFor();
      await screenshot(ru2.page, "chat-360-ru");
      await ru2.page.getByRole("button", { name: "Следующий" }).click();
      await ru.page.getByText("Разговор закончен.").waitFor();
      await ru.page.getByText("Собеседник ушёл.").waitFor();
      noErrors(ru2);
    });

    await t.step("Accept-Language picks English", async () => {
      await en.open(server.url);
      await en.page.getByRole("button", { name: "Start chat" }).waitFor();
    });
    await t.step("the switch keeps the choice in a cookie", async () => {
      await en.page.getByRole("link", { name: "RU" }).click();
      await en.page.waitForSelector(".chat[data-ready]");
      await en.page.getByRole("button", { name: "Начать чат" }).waitFor();
      await en.open(server.url);
      await en.page.getByRole("button", { name: "Начать чат" }).waitFor();
      const cookies = await en.context.cookies();
      assert.ok(
        cookies.some((c) => c.name === "lang" && c.value === "ru"),
        "no lang cookie",
      );
    });
    noErrors(ru, en);
  },
);

browserTest(
  "Chat island: reconnects with backoff after a server restart",
  async (scene) => {
    const { browser } = scene;
    const port = Number(new URL(scene.server.url).port);
    const a = await browser.visitor("A");
    await a.open(scene.server.url);
    await start(a);
    await phase(a.page, "waiting");
    await scene.server.stop();
    await phase(a.page, "reconnecting");
    assert.deepEqual(await a.page.locator(".bar .online").count(), 0);
    await a.page.getByText("The server cannot be reached right now.")
      .waitFor();
    await a.page.getByText(/Trying again in \d+ s…/).waitFor();
    assert.deepEqual(await a.page.locator(".bar .online").count(), 0);
    scene.server = await startTestServer({ port });
    await phase(a.page, "waiting");
    await a.page.getByText("Waiting for a partner").waitFor();
  },
);

browserTest(
  "Chat island: Start while the server is down says so",
  async ({ server, browser }) => {
    const a = await browser.visitor("A");
    await a.open(server.url);
    await server.stop();
    await start(a);
    await phase(a.page, "reconnecting");
    await a.page.getByText("The server cannot be reached right now.")
      .waitFor();
    await a.page.getByText(/Trying again in \d+ s…/).waitFor();
    await a.page.keyboard.press("Escape");
    await phase(a.page, "idle");
  },
);

browserTest({
  name: "Chat island: a refused handshake says why and retries when allowed",
  config: { maxSocketsPerIp: 1 },
}, async ({ server, browser }) => {
  const a = await browser.visitor("A");
  const b = await browser.visitor("B");
  await a.open(server.url);
  await start(a);
  await phase(a.page, "waiting");
  await b.open(server.url);
  await start(b);
  await phase(b.page, "reconnecting");
  await b.page.getByText(
    "Too many chat tabs are open from your network.",
  ).waitFor();
  await b.page.getByText(/Trying again in \d+ s…/).waitFor();
  assert.deepEqual(await b.page.locator(".bar .online").count(), 0);
  assert.match(
    await b.page.locator(".state").innerText(),
    /Trying again in (59|60) s…/,
    "not the server's retryAfter",
  );
  await a.page.close();
  // Retry now, as soon as the server has seen A's socket close.
  while (!(await admitted(server.url))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await b.page.getByRole("button", { name: "Retry now" }).click();
  await phase(b.page, "waiting");
  // The refused handshakes log a network error; nothing else may.
  assert.deepEqual(
    b.errors.filter((e) => !/WebSocket|ERR_|status of 4\d\d/.test(e)),
    [],
  );
});

browserTest(
  "Chat island: the idle screen shows a live online count",
  async ({ server, browser }) => {
    const a = await browser.visitor("A");
    const b = await browser.visitor("B");
    await a.open(server.url);
    await a.page.locator(".bar .online").getByText("1 online").waitFor();
    await b.open(server.url);
    await a.page.locator(".bar .online").getByText("2 online").waitFor();
    await b.page.close();
    await a.page.locator(".bar .online").getByText("1 online").waitFor();
    noErrors(a);
  },
);

browserTest(
  "Chat island: favicon badge, sound and notifications on one toggle",
  async ({ t, server, browser }) => {
    const a = await browser.visitor("A");
    const b = await browser.visitor("B");
    await a.page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.beeps = 0;
      w.shown = [] as string[];
      const create = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () {
        (w.beeps as number)++;
        return create.call(this);
      };
      class FakeNotification {
        static permission = "default";
        static requestPermission() {
          FakeNotification.permission = "granted";
          return Promise.resolve("granted");
        }
        constructor(title: string, init?: { body?: string }) {
          (w.shown as string[]).push(`${title}: ${init?.body}`);
        }
      }
      w.Notification = FakeNotification;
    });
    const read = (name: string) =>
      a.page.evaluate(
        (n) => (window as unknown as Record<string, unknown>)[n],
        name,
      );
    const toggle = a.page.getByRole("button", {
      name: "Sound and notifications",
    });

    await t.step(
      "the toggle asks for notifications and is remembered",
      async () => {
        await a.open(server.url);
        assert.deepEqual(await toggle.getAttribute("aria-pressed"), "false");
        await toggle.click();
        assert.deepEqual(await toggle.getAttribute("aria-pressed"), "true");
        await a.open(server.url);
        assert.deepEqual(await toggle.getAttribute("aria-pressed"), "true");
      },
    );

    await t.step("a partner found beeps", async () => {
      await toggle.click();
      await toggle.click();
      await start(a);
      await b.open(server.url);
      await start(b);
      await phase(a.page, "chat");
      await a.page.waitForFunction(() =>
        (window as unknown as { beeps: number }).beeps >= 1
      );
    });

    await t.step(
      "lines while hidden: badge, beep, notification",
      async () => {
        const beeps = await read("beeps") as number;
        await a.setHidden(true);
        await say(b, "one");
        await say(b, "two");
        await a.page.waitForFunction(() =>
          document.querySelector<HTMLLinkElement>("link[rel~=icon]")!.href
            .includes(encodeURIComponent(">2</text>"))
        );
        assert.ok((await read("beeps") as number) >= beeps + 2);
        assert.deepEqual(await read("shown"), [
          "Strangers: New message from a stranger",
          "Strangers: New message from a stranger",
        ]);
        await a.setHidden(false);
        await a.page.waitForFunction(() =>
          document.querySelector<HTMLLinkElement>("link[rel~=icon]")!.href
            .endsWith("/static/favicon.svg")
        );
      },
    );
    noErrors(a, b);
  },
);
