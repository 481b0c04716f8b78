/**
 * Browser test helpers: headless Debian Chromium driven by playwright-core,
 * one isolated context per visitor, with every console error, page error
 * and CSP violation collected so a test can assert there were none.
 *
 * @module
 */

import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
} from "playwright-core";
import type { Config } from "../lib/ops/config.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

/** Where Debian installs Chromium; never `playwright install`. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless Chromium. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Phone and desktop viewports the UI is checked (and pictured) at. */
export const VIEWPORTS = {
  phone: { width: 360, height: 740 },
  desktop: { width: 1280, height: 800 },
} as const;

/** Whether Chromium is installed (tests are skipped, loudly, without it). */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** One visitor: an isolated browser context with one page. */
export interface Visitor {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  errors: string[];
  /** Opens `url` and waits until the island has hydrated. */
  open(url: string): Promise<void>;
  /** Pretends the tab went to the background (or came back). */
  setHidden(hidden: boolean): Promise<void>;
}

/** Options for {@linkcode Harness.visitor}. */
export interface VisitorOptions {
  /** Sent as Accept-Language and used by the page.
   * @default {"en-US"} */
  locale?: string;
  /** @default {VIEWPORTS.desktop} */
  viewport?: { width: number; height: number };
  /** A phone: touch, mobile viewport meta honoured. @default {false} */
  mobile?: boolean;
  /** The emulated `prefers-color-scheme`. @default {"light"} */
  colorScheme?: "light" | "dark";
}

/** A launched browser that hands out visitors and closes them all. */
export interface Harness {
  browser: Browser;
  userDataDir: string;
  visitor(name: string, options?: VisitorOptions): Promise<Visitor>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh profile directory. Each visitor
 * gets its own context: separate cookies, storage and sockets.
 */
export async function launch(): Promise<Harness> {
  const userDataDir = await Deno.makeTempDir({ prefix: "strangers-chromium-" });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, `--disk-cache-dir=${userDataDir}/cache`],
    env: { ...Deno.env.toObject(), HOME: userDataDir },
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    userDataDir,
    async visitor(name, options = {}) {
      const context = await browser.newContext({
        locale: options.locale ?? "en-US",
        viewport: options.viewport ?? VIEWPORTS.desktop,
        isMobile: options.mobile ?? false,
        hasTouch: options.mobile ?? false,
        colorScheme: options.colorScheme ?? "light",
      });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
      });
      page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => {
          console.error(
            `CSP violation: ${e.violatedDirective} ${e.blockedURI}`,
          );
        });
      });
      return {
        name,
        context,
        page,
        errors,
        async open(url) {
          await page.goto(url);
          await page.waitForSelector(".chat[data-ready]");
        },
        async setHidden(hidden) {
          await page.evaluate((hidden) => {
            const doc = document as unknown as Record<string, unknown>;
            if (hidden) {
              Object.defineProperty(doc, "visibilityState", {
                value: "hidden",
                configurable: true,
              });
              Object.defineProperty(doc, "hidden", {
                value: true,
                configurable: true,
              });
              document.dispatchEvent(new Event("visibilitychange"));
              dispatchEvent(new Event("blur"));
            } else {
              delete doc.visibilityState;
              delete doc.hidden;
              document.dispatchEvent(new Event("visibilitychange"));
              dispatchEvent(new Event("focus"));
            }
          }, hidden);
        },
      };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Saves a screenshot to `tests/screenshots/NAME.png` (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = new URL("./screenshots/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const path = new URL(`${name}.png`, dir).pathname;
  await page.screenshot({ path, animations: "disabled" });
  return path;
}

/** What {@linkcode withServerAndBrowser} hands the body of a test. */
export interface BrowserScene {
  /** The chat server; the one set here last is stopped at the end. */
  server: TestServer;
  browser: Harness;
}

/**
 * Starts a chat server with `config` and Chromium, runs `fn`, then closes
 * the browser and stops the server (again, if `fn` already did: stopping
 * is idempotent).
 */
export async function withServerAndBrowser(
  config: Partial<Config>,
  fn: (scene: BrowserScene) => Promise<void>,
): Promise<void> {
  const scene: BrowserScene = {
    server: await startTestServer(config),
    browser: await launch(),
  };
  try {
    await fn(scene);
  } finally {
    await scene.browser.close();
    await scene.server.stop();
  }
}

/** Options for {@linkcode browserTest}. */
export interface BrowserTestOptions {
  name: string;
  /** Overrides for the chat server's configuration. @default {{}} */
  config?: Partial<Config>;
}

/**
 * Declares a Chromium test (ignored without Chromium; the browser's own
 * handles escape the sanitizers) against a fresh server, both closed after.
 */
export function browserTest(
  test: string | BrowserTestOptions,
  fn: (scene: BrowserScene & { t: Deno.TestContext }) => Promise<void>,
): void {
  const { name, config = {} } = typeof test === "string"
    ? { name: test }
    : test;
  Deno.test({
    name,
    ignore: !hasChromium(),
    sanitizeResources: false,
    sanitizeOps: false,
    // The same scene object, so that a server the test swaps in is stopped.
    fn: (t) =>
      withServerAndBrowser(config, (scene) => fn(Object.assign(scene, { t }))),
  });
}
