/**
 * Resume after a network blip in Chromium against a real server: one
 * visitor's connection drops in the middle of a chat (no close frame), the
 * other keeps writing, and once the network is back the conversation goes
 * on, on both screens, with every line exactly once and in order. The
 * dropped visitor sees "Connection lost, reconnecting…" (axe-core clean),
 * the other "Stranger's connection dropped, waiting…" and then "Stranger
 * is back". Needs `deno task build` first.
 *
 * Chromium's offline emulation need not end a WebSocket that is open, so
 * the drop is made by a TCP gate between the page and the server (the page
 * comes through it too: `/ws` is on the page's origin): it can hold back
 * what the server sends (a line's echo lost on the way), cut every
 * connection, and refuse new ones while the "network" is down.
 *
 * @module
 */

import assert from "node:assert/strict";
import axe from "axe-core";
import type { Page } from "playwright-core";
import {
  browserTest,
  hasChromium,
  screenshot,
  type Visitor,
} from "./browser_helper.ts";

if (!hasChromium()) console.warn("resume browser test skipped: no Chromium");

/** A TCP gate on 127.0.0.1 in front of one server port. */
class Gate {
  readonly port: number;
  /** Connections refused while down. */
  refused = 0;
  #listener: Deno.TcpListener;
  #target: number;
  #up = true;
  #muted = false;
  #conns = new Set<Deno.Conn>();

  constructor(target: number) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = this.#listener.addr.port;
    void this.#accept();
  }

  /** Stops passing on what the server sends; nothing is closed. */
  mute(): void {
    this.#muted = true;
  }

  /** The network is down: every connection cut, new ones refused. */
  down(): void {
    this.#up = false;
    this.#muted = false;
    for (const conn of this.#conns) close(conn);
    this.#conns.clear();
  }

  /** The network is back. */
  up(): void {
    this.#up = true;
  }

  close(): void {
    this.down();
    try {
      this.#listener.close();
    } catch { /* closed */ }
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        if (!this.#up) {
          this.refused++;
          close(client);
          continue;
        }
        void this.#link(client);
      }
    } catch { /* the listener closed */ }
  }

  async #link(client: Deno.Conn): Promise<void> {
    this.#conns.add(client);
    let server: Deno.Conn;
    try {
      server = await Deno.connect({
        hostname: "127.0.0.1",
        port: this.#target,
      });
    } catch {
      close(client);
      return;
    }
    if (!this.#conns.has(client)) return close(server);
    this.#conns.add(server);
    void pump(client, server, () => false);
    void pump(server, client, () => this.#muted);
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* closed */ }
}

/** Copies `from` to `to` until either ends, dropping bytes while `muted`. */
async function pump(
  from: Deno.Conn,
  to: Deno.Conn,
  muted: () => boolean,
): Promise<void> {
  const buf = new Uint8Array(16 * 1024);
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      if (muted()) continue;
      for (let off = 0; off < n;) off += await to.write(buf.subarray(off, n));
    }
    to.closeWrite();
  } catch { /* cut */ }
}

function phase(page: Page, name: string): Promise<unknown> {
  return page.waitForSelector(`.chat[data-phase="${name}"]`);
}

async function say(v: Visitor, text: string): Promise<void> {
  const box = v.page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Control+Enter");
}

/** The texts of one side's lines, in log order. */
function lines(page: Page, kind: "me" | "guest"): Promise<string[]> {
  return page.locator(`.log .line.${kind} .text`).allInnerTexts();
}

/** Waits until one side's lines are exactly `texts`, then checks it. */
async function expectLines(
  v: Visitor,
  kind: "me" | "guest",
  texts: string[],
): Promise<void> {
  await v.page.waitForFunction(
    ([kind, n]) => document.querySelectorAll(`.log .line.${kind}`).length >= n,
    [kind, texts.length] as const,
  );
  assert.deepEqual(await lines(v.page, kind), texts, `${v.name} ${kind}`);
}

/** axe-core's violations in the page, one line each (as a11y_test does). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  await page.evaluate(() => document.getAnimations().forEach((a) => a.finish()))
    .catch(() => {});
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

/** Starts recording every text the status line shows, in order. */
function recordStatus(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { statuses: string[] };
    w.statuses = [];
    const root = document.querySelector(".chat")!;
    new MutationObserver(() => {
      const text = root.querySelector(".link-status")?.textContent ?? "";
      if (text && w.statuses.at(-1) !== text) w.statuses.push(text);
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
}

/** Errors other than the failed connections a dropped network causes. */
function realErrors(v: Visitor): string[] {
  return v.errors.filter((e) => !/WebSocket|ERR_|Failed to load/.test(e));
}

const AWAY = /Stranger.s connection dropped, waiting…/;

browserTest({
  name: "Chat island: a chat survives a network blip in Chromium",
  // Reconnecting from one address: the per-address limits are lifted.
  config: { maxHandshakesPerMinute: 0, maxSocketsPerIp: 0 },
}, async ({ t, server, browser }) => {
  const gate = new Gate(server.handle.port);
  try {
    const a = await browser.visitor("A");
    const b = await browser.visitor("B");

    await t.step("two strangers chat, A through the gate", async () => {
      await a.open(`http://127.0.0.1:${gate.port}/`);
      await b.open(server.url);
      for (const v of [a, b]) {
        await v.page.getByRole("button", { name: "Start chat" }).click();
      }
      await phase(a.page, "chat");
      await phase(b.page, "chat");
      await say(a, "a1");
      await expectLines(b, "guest", ["a1"]);
      await say(b, "b1");
      await expectLines(a, "guest", ["b1"]);
      await a.page.locator(".log .line.me.pending").waitFor({
        state: "detached",
      });
    });

    await t.step(
      "an echo and a line lost on the way, then the drop",
      async () => {
        await recordStatus(b.page);
        gate.mute();
        await say(a, "a2");
        await expectLines(b, "guest", ["a1", "a2"]);
        await say(b, "b2");
        await expectLines(b, "me", ["b1", "b2"]);
        gate.down();
        await a.context.setOffline(true);
        await phase(a.page, "resuming");
        await a.page.locator(".link-status")
          .getByText("Connection lost, reconnecting…").waitFor();
        await b.page.locator(".link-status").getByText(AWAY).waitFor();
        assert.deepEqual(await lines(a.page, "guest"), ["b1"]);
        assert.equal(await a.page.locator(".log .line.me.pending").count(), 1);
      },
    );

    await t.step("the reconnecting screen is axe-core clean", async () => {
      assert.deepEqual(await axeViolations(a.page), []);
    });

    await t.step("both write during the gap; attempts fail", async () => {
      await say(b, "b3");
      await say(a, "a3");
      await expectLines(b, "me", ["b1", "b2", "b3"]);
      assert.equal(await a.page.locator(".log .line.me.pending").count(), 2);
      // End still there, Next too: the composer stays while reconnecting.
      await a.page.getByRole("button", { name: "End conversation" }).waitFor();
      // An attempt failed: refused by the gate, or by Chromium offline.
      const failed = () =>
        gate.refused > 0 || a.errors.some((e) => /WebSocket/.test(e));
      for (let i = 0; i < 150 && !failed(); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(failed(), "no attempt to reconnect failed while offline");
      assert.equal(
        await a.page.getAttribute(".chat", "data-phase"),
        "resuming",
      );
      await screenshot(a.page, "resume-reconnecting");
      await screenshot(b.page, "resume-partner-away");
    });

    await t.step("back online: every line once, in order", async () => {
      gate.up();
      await a.context.setOffline(false);
      await phase(a.page, "chat");
      await expectLines(a, "guest", ["b1", "b2", "b3"]);
      await a.page.locator(".log .line.me.pending").waitFor({
        state: "detached",
      });
      await expectLines(a, "me", ["a1", "a2", "a3"]);
      await expectLines(b, "guest", ["a1", "a2", "a3"]);
      assert.equal(await a.page.locator(".link-status").innerText(), "");
    });

    await t.step("B saw the drop, then the return", async () => {
      await b.page.waitForFunction(() =>
        (window as unknown as { statuses: string[] }).statuses.length >= 2
      );
      const statuses = await b.page.evaluate(() =>
        (window as unknown as { statuses: string[] }).statuses
      );
      assert.equal(statuses.length, 2, JSON.stringify(statuses));
      assert.match(statuses[0], AWAY);
      assert.equal(statuses[1], "Stranger is back");
    });

    await t.step("the conversation goes on", async () => {
      await say(b, "b4");
      await say(a, "a4");
      await expectLines(a, "guest", ["b1", "b2", "b3", "b4"]);
      await expectLines(b, "guest", ["a1", "a2", "a3", "a4"]);
      await expectLines(a, "me", ["a1", "a2", "a3", "a4"]);
      await expectLines(b, "me", ["b1", "b2", "b3", "b4"]);
      assert.deepEqual(realErrors(a), [], "A had console errors");
      assert.deepEqual(b.errors, [], "B had console errors");
    });
  } finally {
    gate.close();
  }
});
