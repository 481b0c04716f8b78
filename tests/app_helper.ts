/**
 * The chat app without a port: its request handler called in process, for
 * HTTP tests that need no real socket.
 *
 * @module
 */

import { type ChatApp, createChatApp } from "../main.ts";
import { type Config, defaultConfig } from "../lib/ops/config.ts";
import { Logger } from "../lib/ops/log.ts";
import { release } from "../lib/server.ts";

/** The app for one test, answering requests to `http://localhost/…`. */
export interface InProcessApp extends ChatApp {
  /** Answers `path` (with `init`) through the handler. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Releases the app's state. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Builds the app with test defaults and `overrides`; logs are discarded. */
export async function inProcessApp(
  overrides: Partial<Config> = {},
): Promise<InProcessApp> {
  const config = defaultConfig({
    logLevel: "error",
    dataDir: ":memory:",
    ...overrides,
  });
  const log = new Logger({ format: "json", level: "error", write() {} });
  const app = await createChatApp(config, { log });
  return {
    ...app,
    fetch: (path, init) =>
      app.handler(new Request(new URL(path, "http://localhost"), init)),
    [Symbol.asyncDispose]: () => release(app.state),
  };
}
