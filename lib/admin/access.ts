/**
 * Who is calling the console, and whether they may change anything: the
 * console's parts per server (keys, sign-in throttle), the session cookie,
 * a bearer token for scripts, and the checks a change from a browser must
 * pass (its Origin is ours, it carries the session's CSRF token).
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import type { Config } from "../ops/config.ts";
import { identityOf } from "../recent_partners.ts";
import { addressGroup, clientAddress, forwardedProto } from "../web/address.ts";
import { originAllowed } from "../ws/admission.ts";
import { AdminKeys } from "./keys.ts";
import { SignInThrottle } from "./throttle.ts";
import { CSRF_HEADER } from "./wire.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "strangers_admin";

/** The console's parts of one running server. */
export interface AdminRuntime {
  keys: AdminKeys;
  /** Wrong tokens per address group: 5 per 15 minutes. */
  throttle: SignInThrottle;
  /** `sign_in_failed` audit entries per instance: 60 per 15 minutes. */
  auditBudget: SignInThrottle;
}

/** Who called: a signed-in browser (`admin`) or a script with the token (`api`). */
export interface Caller {
  actor: "admin" | "api";
  /** The session cookie's value, for a browser. */
  session: string | null;
}

const runtimes = new WeakMap<AppState, AdminRuntime>();

/**
 * The console's parts for `state`, made on first use; `null` when no
 * `ADMIN_TOKEN` is set (the console is then absent).
 */
export function adminRuntime(state: AppState): AdminRuntime | null {
  const token = state.config.adminToken;
  if (!token) return null;
  let runtime = runtimes.get(state);
  if (!runtime) {
    runtime = {
      keys: new AdminKeys(token),
      throttle: new SignInThrottle(),
      auditBudget: new SignInThrottle({ limit: 60 }),
    };
    runtimes.set(state, runtime);
  }
  return runtime;
}

/** The address group a request comes from, as the chat counts it. */
export function requestGroup(
  req: Request,
  peer: string,
  config: Config,
): string {
  return addressGroup(clientAddress(req.headers, peer, config.trustProxy), {
    ipv4Prefix: config.ipv4Prefix,
  });
}

/** The subject an address group is audited under (never the address). */
export function groupSubject(group: string): string {
  return identityOf(undefined, group);
}

/** The token of `Authorization: Bearer …`, or `null` when there is none. */
export function bearerOf(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header === null) return null;
  return /^Bearer\s+(\S{1,512})\s*$/i.exec(header)?.[1] ?? "";
}

/** The session cookie's value, if the request carries one. */
export function sessionOf(req: Request): string | null {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      return part.slice(eq + 1).trim();
    }
  }
  return null;
}

/** The caller, when the request bears the token or a valid session. */
export function callerOf(
  req: Request,
  keys: AdminKeys,
  now: number,
): Caller | null {
  const bearer = bearerOf(req);
  if (bearer !== null) {
    return keys.matches(bearer) ? { actor: "api", session: null } : null;
  }
  const session = sessionOf(req);
  return session !== null && keys.sessionValid(session, now)
    ? { actor: "admin", session }
    : null;
}

/**
 * Why a change by `caller` must be refused, or `null` when it may go on. A
 * script's bearer token is no ambient authority; a browser's cookie is, so
 * the change must come from our own page: its Origin, and the CSRF token.
 */
export function changeRefusal(
  req: Request,
  caller: Caller,
  options: { keys: AdminKeys; config: Config; csrf?: string | null },
): string | null {
  if (caller.actor === "api") return null;
  if (!sameOrigin(req, options.config)) {
    return "the request does not come from this console";
  }
  const given = options.csrf ?? req.headers.get(CSRF_HEADER) ?? "";
  if (!caller.session || !options.keys.csrfValid(caller.session, given)) {
    return `missing or wrong ${CSRF_HEADER}`;
  }
  return null;
}

/** Whether the request names our own origin in `Origin` (it must name one). */
export function sameOrigin(req: Request, config: Config): boolean {
  return req.headers.get("origin") !== null &&
    originAllowed(req, {
      publicOrigin: config.publicOrigin,
      trustProxy: config.trustProxy,
    });
}

/** The session cookie for `value`, or the one that ends it (`null`). */
export function sessionCookie(
  value: string | null,
  options: { secure: boolean; maxAge: number },
): string {
  return [
    `${SESSION_COOKIE}=${value ?? ""}`,
    "Path=/admin",
    `Max-Age=${value === null ? 0 : options.maxAge}`,
    "HttpOnly",
    "SameSite=Strict",
    ...options.secure ? ["Secure"] : [],
  ].join("; ");
}

/** Whether the visitor reached us over https (directly, by proxy, or as configured). */
export function isHttps(req: Request, config: Config): boolean {
  return new URL(req.url).protocol === "https:" ||
    forwardedProto(req.headers, config.trustProxy) === "https" ||
    config.publicOrigin.startsWith("https:");
}
