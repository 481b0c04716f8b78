/**
 * The guards around the console's routes. Every one is absent (the 404
 * page, whatever the method) without `ADMIN_TOKEN`, and answers 405 for
 * methods it does not serve. The JSON API's guard goes on: a wrong bearer
 * token counts toward the sign-in throttle (429 past it); 401 without the
 * token or a session; 403 for a browser's change without its Origin and
 * CSRF token; JSON answers that are never cached; a failing store answers
 * 503.
 *
 * @module
 */

import type { AppContext } from "../app_state.ts";
import { errorName } from "../ops/log.ts";
import {
  type AdminRuntime,
  adminRuntime,
  bearerOf,
  type Caller,
  callerOf,
  changeRefusal,
  requestGroup,
} from "./access.ts";
import { auditFailure } from "./signin.ts";
import type { ApiError } from "./wire.ts";

/** What an API handler receives. */
export interface AdminCall {
  ctx: AppContext;
  caller: Caller;
  runtime: AdminRuntime;
}

/** An API handler. */
export type AdminHandler = (call: AdminCall) => Promise<Response>;

/** The methods an API route answers. */
export type AdminMethods = Partial<
  Record<"GET" | "POST" | "DELETE", AdminHandler>
>;

const NO_STORE = { "Cache-Control": "no-store" };

/** A JSON answer that is never cached. */
export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...NO_STORE, "Content-Type": "application/json" },
  });
}

/** A refusal: `{"error": reason}`. */
export function refuse(
  status: number,
  error: string,
  headers: Record<string, string> = {},
): Response {
  const res = json(status, { error } satisfies ApiError);
  for (const [name, value] of Object.entries(headers)) {
    res.headers.set(name, value);
  }
  return res;
}

/** A console page's handler for one method. */
export type AdminPageHandler<Data> = (
  ctx: AppContext<Data>,
  runtime: AdminRuntime,
) => Response | Promise<Response>;

/**
 * The route handler of a console page answering `methods`: absent (the 404
 * page, whatever the method) without `ADMIN_TOKEN`, 405 for other methods.
 */
export function adminPage<Data>(
  methods: Partial<Record<"GET" | "POST", AdminPageHandler<Data>>>,
): (ctx: AppContext<Data>) => Response | Promise<Response> {
  const allow = Object.keys(methods);
  if (allow.includes("GET")) allow.push("HEAD");
  return (ctx) => {
    const runtime = adminRuntime(ctx.state);
    if (!runtime) return ctx.renderNotFound();
    const method = ctx.req.method === "HEAD" ? "GET" : ctx.req.method;
    const handler = Object.hasOwn(methods, method)
      ? methods[method as "GET" | "POST"]
      : undefined;
    if (!handler) {
      return new Response("Method Not Allowed", {
        status: 405,
        headers: { Allow: allow.join(", ") },
      });
    }
    return handler(ctx, runtime);
  };
}

/** The route handler of an API path answering `methods`. */
export function adminApi(
  methods: AdminMethods,
): (ctx: AppContext) => Promise<Response> {
  const allow = Object.keys(methods);
  if (allow.includes("GET")) allow.push("HEAD");
  return async (ctx) => {
    const { req, state } = ctx;
    const runtime = adminRuntime(state);
    if (!runtime) return ctx.renderNotFound();
    const method = req.method === "HEAD" ? "GET" : req.method;
    const handler = Object.hasOwn(methods, method)
      ? methods[method as keyof AdminMethods]
      : undefined;
    if (!handler) {
      return refuse(405, "method not allowed", { Allow: allow.join(", ") });
    }
    const group = requestGroup(req, ctx.info.remoteAddr.hostname, state.config);
    const bearer = bearerOf(req);
    if (bearer !== null) {
      const wait = runtime.throttle.retryAfter(group);
      if (wait > 0) {
        return refuse(429, "too many wrong tokens; try again later", {
          "Retry-After": String(wait),
        });
      }
    }
    try {
      const caller = callerOf(req, runtime.keys, Date.now());
      if (!caller) {
        if (bearer !== null) {
          runtime.throttle.failed(group);
          await auditFailure(ctx, runtime, group);
        }
        return refuse(
          401,
          "sign in, or send Authorization: Bearer ADMIN_TOKEN",
          {
            "WWW-Authenticate": 'Bearer realm="admin"',
          },
        );
      }
      if (method !== "GET") {
        const why = changeRefusal(req, caller, {
          keys: runtime.keys,
          config: state.config,
        });
        if (why) return refuse(403, why);
      }
      return await handler({ ctx, caller, runtime });
    } catch (error) {
      state.log.error("admin_failed", { error: errorName(error) });
      return refuse(503, "the moderation store failed; try again");
    }
  };
}
