/**
 * Starts the whole service: the pairing switchboard and its backend, the
 * routes, static files and security headers, and a graceful shutdown that
 * closes every socket with 1001 before the listener stops.
 *
 * @module
 */

import { AddressLimits } from "./ws/admission.ts";
import type { AppState } from "./app_state.ts";
import { loadBundleManifest } from "./web/bundle.ts";
import type { Config } from "./ops/config.ts";
import { registerIslands } from "./web/islands.ts";
import { Logger } from "./ops/log.ts";
import { Metrics } from "./ops/metrics.ts";
import { createBackend } from "./backends/mod.ts";
import { type Backend, Switchboard } from "./pairing.ts";
import { CLOSE } from "./ws/protocol.ts";
import { renderPage } from "./web/render.tsx";
import { createRouter } from "./web/router.ts";
import { securityHeaders } from "./web/security_headers.ts";
import { serveStatic } from "./web/static_files.ts";
import { islands, notFound, routes } from "../manifest.ts";

/** How long shutdown waits for sockets to finish closing. */
const SHUTDOWN_GRACE_MS = 8_000;
/** Pause before listening again after the listener failed. */
const LISTEN_RETRY_MS = 250;

/** A running server. */
export interface ServerHandle {
  /** `http://localhost:PORT` (or the bound address). */
  url: string;
  port: number;
  state: AppState;
  /** Closes every socket with 1001, stops listening, releases the backend. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** Options for {@linkcode startServer}. */
export interface StartOptions {
  /** Where logs go. @default {a Logger configured from `config`} */
  log?: Logger;
  /** The pairing backend. @default {the one `config` names, see createBackend} */
  backend?: Backend;
}

/** Starts listening with `config`; resolves once the port is bound. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<ServerHandle> {
  registerIslands(islands);
  const log = options.log ??
    new Logger({ format: config.logFormat, level: config.logLevel });
  const metrics = new Metrics();
  const backend: Backend = options.backend ??
    await createBackend(config, (): number => switchboard.connected);
  const switchboard = new Switchboard({ backend });
  switchboard.stats.onPaired = (seconds) => metrics.observeWait(seconds);
  const state: AppState = {
    config,
    switchboard,
    log,
    metrics,
    limits: new AddressLimits({
      maxSockets: config.maxSocketsPerIp,
      maxHandshakesPerMinute: config.maxHandshakesPerMinute,
    }),
    connectionCap: config.maxConnections || Infinity,
    bundles: await loadBundleManifest(),
    startedAt: Date.now(),
    draining: false,
    backendUp: () => backend.available !== false,
  };
  const security = securityHeaders(config.frameAncestors);
  const route = createRouter({
    routes,
    notFound,
    renderPage: (page, init) => renderPage(page, state.bundles, init),
  });

  async function handle(
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> {
    let res: Response;
    try {
      const path = new URL(req.url).pathname;
      const isStatic = path.startsWith("/static/") &&
        (req.method === "GET" || req.method === "HEAD");
      res = (isStatic ? await serveStatic(req, path.slice(8)) : null) ??
        await route(req, info, state);
    } catch (error) {
      metrics.uncaught++;
      log.error("request_failed", { error: errorName(error) });
      res = new Response("Internal Server Error", { status: 500 });
    }
    if (res.status === 101) return res;
    for (const [name, value] of security) res.headers.set(name, value);
    return res;
  }

  const onUncaught = (event: Event) => {
    event.preventDefault();
    metrics.uncaught++;
    const error = (event as PromiseRejectionEvent).reason ??
      (event as ErrorEvent).error;
    log.error("uncaught", { type: event.type, error: errorName(error) });
  };
  globalThis.addEventListener("unhandledrejection", onUncaught);
  globalThis.addEventListener("error", onUncaught);

  let stopping: Promise<void> | undefined;
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  // Deno's listener ends for good when accept() fails, as it does when the
  // process runs out of file descriptors: listen again rather than fall
  // silent (the sockets already open are unaffected).
  function listen(port: number): Deno.HttpServer<Deno.NetAddr> {
    const listener = Deno.serve({
      port,
      hostname: config.hostname,
      onListen: resolve,
    }, handle);
    listener.finished.then(finish, async (error) => {
      if (stopping) return finish();
      metrics.uncaught++;
      // An accept() error is the operating system's, never a client's words.
      const reason = error instanceof Error ? error.message : String(error);
      log.error("listener_failed", { error: errorName(error), reason });
      await relisten();
    });
    return listener;
  }
  async function relisten(): Promise<void> {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, LISTEN_RETRY_MS));
      if (stopping) return;
      try {
        server = listen(addr.port);
        return;
      } catch (error) {
        log.error("listen_failed", { error: errorName(error) });
      }
    }
  }
  let server = listen(config.port);
  const addr = await listening;
  const host = addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "localhost"
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;

  function shutdown(): Promise<void> {
    return stopping ??= (async () => {
      state.draining = true;
      log.info("shutdown", { connections: switchboard.connected });
      switchboard.closeAll(CLOSE.goingAway.code, CLOSE.goingAway.reason);
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (metrics.openSockets > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      await Promise.race([
        server.shutdown(),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
      switchboard.dispose();
      await switchboard.backend.close();
      globalThis.removeEventListener("unhandledrejection", onUncaught);
      globalThis.removeEventListener("error", onUncaught);
      log.info("stopped", { uptime: (Date.now() - state.startedAt) / 1000 });
    })();
  }

  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    state,
    shutdown,
    finished,
  };
}

/** The error's class name only: messages may quote client input. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
