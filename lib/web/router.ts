/**
 * Routing after Fresh's conventions, from a static table: a route module
 * exports `handler` (a function, or an object keyed by HTTP method) and/or a
 * default page component. A path segment `:name` matches any one segment,
 * handed to the route as `ctx.params.name` (exact paths win). Wrong methods
 * get 405 with `Allow`; HEAD is answered from GET without a body; unknown
 * paths get the 404 page.
 *
 * @module
 */

import type { ComponentType } from "preact";
import type { AnyVNode } from "./islands.ts";
import { h } from "preact";

/** HTTP methods a route may handle. */
export type Method =
  | "GET"
  | "HEAD"
  | "POST"
  | "PUT"
  | "PATCH"
  | "DELETE"
  | "OPTIONS";

/** What a handler receives; `State` is whatever the app passed to `createApp`. */
export interface RouteContext<Data = unknown, State = unknown> {
  req: Request;
  url: URL;
  info: Deno.ServeHandlerInfo<Deno.NetAddr>;
  state: State;
  /** The path's `:name` segments, decoded (`{}` for an exact path). */
  params: Record<string, string>;
  /** Renders the route's page with `data`. */
  render(data?: Data, init?: ResponseInit): Response;
  /** Answers as for a path no route serves (the 404 page). */
  renderNotFound(): Promise<Response>;
}

/** A request handler. */
export type Handler<Data = unknown, State = unknown> = (
  ctx: RouteContext<Data, State>,
) => Response | Promise<Response>;

/** A handler for every method, or one per method. */
export type Handlers<Data = unknown, State = unknown> =
  | Handler<Data, State>
  | Partial<Record<Method, Handler<Data, State>>>;

/** What a page component receives. */
export interface PageProps<Data = unknown, State = unknown> {
  data: Data;
  url: URL;
  state: State;
}

/** A module in routes/. */
export interface RouteModule<State = unknown> {
  // deno-lint-ignore no-explicit-any
  handler?: Handlers<any, State>;
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<PageProps<any, State>>;
}

/** Turns a page vnode into a full HTML response. */
export type PageRenderer = (
  page: AnyVNode,
  init?: ResponseInit,
) => Response;

/** Options for {@linkcode createRouter}. */
export interface RouterOptions<State> {
  routes: Record<string, RouteModule<State>>;
  notFound: RouteModule<State>;
  renderPage: PageRenderer;
}

/** Builds the request handler for a route table. */
export function createRouter<State>(
  options: RouterOptions<State>,
): (
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  state: State,
) => Promise<Response> {
  const { routes, notFound, renderPage } = options;
  const patterns = Object.keys(routes).filter((path) => path.includes("/:"))
    .map((path) => ({ segments: path.split("/"), module: routes[path] }));

  function find(
    path: string,
  ): { module: RouteModule<State>; params: Record<string, string> } | null {
    if (Object.hasOwn(routes, path)) {
      return { module: routes[path], params: {} };
    }
    const segments = path.split("/");
    for (const pattern of patterns) {
      const params = matchSegments(pattern.segments, segments);
      if (params) return { module: pattern.module, params };
    }
    return null;
  }

  async function serve(
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
    state: State,
    found:
      | { module: RouteModule<State>; params: Record<string, string> }
      | null,
  ): Promise<Response> {
    const url = new URL(req.url);
    const module = found?.module ?? notFound;
    const ctx: RouteContext<unknown, State> = {
      req,
      url,
      info,
      state,
      params: found?.params ?? {},
      render(data, init) {
        if (!module.default) throw new Error(`${url.pathname} has no page`);
        return renderPage(h(module.default, { data, url, state }), {
          ...init,
          status: init?.status ?? (found ? 200 : 404),
        });
      },
      renderNotFound: () => serve(req, info, state, null),
    };
    const handler = pickHandler(module, req.method as Method);
    if (handler === "not-allowed") {
      return new Response("Method Not Allowed", {
        status: 405,
        headers: { Allow: allowed(module).join(", ") },
      });
    }
    const res = await handler(ctx);
    if (req.method === "HEAD" && res.body !== null) {
      await res.body.cancel();
      return new Response(null, { status: res.status, headers: res.headers });
    }
    return res;
  }

  return (req, info, state) =>
    serve(req, info, state, find(new URL(req.url).pathname));
}

/** The params of `path` under `pattern` (both split at `/`), or `null`. */
function matchSegments(
  pattern: string[],
  path: string[],
): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(":")) {
      if (path[i] === "") return null;
      try {
        params[pattern[i].slice(1)] = decodeURIComponent(path[i]);
      } catch {
        return null;
      }
    } else if (pattern[i] !== path[i]) {
      return null;
    }
  }
  return params;
}

function pickHandler<State>(
  module: RouteModule<State>,
  method: Method,
): Handler<unknown, State> | "not-allowed" {
  const handler = module.handler;
  if (typeof handler === "function") return handler;
  if (handler) {
    return handler[method] ?? (method === "HEAD" ? handler.GET : undefined) ??
      "not-allowed";
  }
  if (method === "GET" || method === "HEAD") return (ctx) => ctx.render();
  return "not-allowed";
}

function allowed<State>(module: RouteModule<State>): Method[] {
  const handler = module.handler;
  const methods: Method[] = handler && typeof handler === "object"
    ? Object.keys(handler) as Method[]
    : ["GET"];
  if (methods.includes("GET") && !methods.includes("HEAD")) {
    methods.push("HEAD");
  }
  return methods;
}
