/**
 * The app as one request handler, after Fresh's `App`: routes from a static
 * table, islands hydrated in the browser, files under `/static/`, security
 * headers on every answer. It knows nothing of what the app does: `State` is
 * handed to every route as it was given. The handler needs no port, so tests
 * call it in process; {@linkcode listen} serves it.
 *
 * @module
 */

import type { ComponentType } from "preact";
import type { BundleManifest } from "./bundle.ts";
import { registerIslands } from "./islands.ts";
import { renderPage } from "./render.tsx";
import { createRouter, type RouteModule } from "./router.ts";
import { type CspSources, securityHeaders } from "./security_headers.ts";
import { serveStatic } from "./static_files.ts";

/** Where a request came from, when it did not come through a listener. */
const IN_PROCESS: Deno.ServeHandlerInfo<Deno.NetAddr> = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
  completed: Promise.resolve(),
};

/** Options for {@linkcode createApp}. */
export interface AppOptions<State> {
  /** Path → route module. */
  routes: Record<string, RouteModule<State>>;
  /** Island name (its file name in `islands/`) → component. */
  // deno-lint-ignore no-explicit-any
  islands: Record<string, ComponentType<any>>;
  /** The page for unknown paths (status 404). */
  notFound: RouteModule<State>;
  /** Handed to every route as `ctx.state`. */
  state: State;
  /** The folder served under `/static/`, a `file:` URL ending in `/`. */
  staticDir: URL;
  /** The built bundles (see `loadBundleManifest`). */
  bundles: BundleManifest;
  /** CSP `frame-ancestors`. @default {"'none'"} */
  frameAncestors?: string;
  /** Origins the CSP allows images and stylesheets from besides our own. */
  cspSources?: CspSources;
  /** Told of an error a route threw; the visitor gets a plain 500. */
  onError?: (error: unknown) => void;
}

/** A request handler that needs no listener. */
export interface App {
  /** Answers one request; `info` defaults to a loopback caller. */
  handler(
    req: Request,
    info?: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response>;
}

/** Builds the app's request handler. */
export function createApp<State>(options: AppOptions<State>): App {
  const { state, onError } = options;
  registerIslands(options.islands);
  const security = securityHeaders(
    options.frameAncestors ?? "'none'",
    options.cspSources,
  );
  const files = serveStatic(options.staticDir);
  const route = createRouter<State>({
    routes: options.routes,
    notFound: options.notFound,
    renderPage: (page, init) => renderPage(page, options.bundles, init),
  });

  async function handler(
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr> = IN_PROCESS,
  ): Promise<Response> {
    let res: Response;
    try {
      const path = new URL(req.url).pathname;
      const isStatic = path.startsWith("/static/") &&
        (req.method === "GET" || req.method === "HEAD");
      res = (isStatic ? await files(req, path.slice(8)) : null) ??
        await route(req, info, state);
    } catch (error) {
      onError?.(error);
      res = new Response("Internal Server Error", { status: 500 });
    }
    // An upgrade's headers belong to the WebSocket handshake.
    if (res.status === 101) return res;
    for (const [name, value] of security) res.headers.set(name, value);
    return res;
  }

  return { handler };
}
