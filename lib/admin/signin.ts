/**
 * Signing in to the console: the typed token checked in constant time,
 * throttled per address group, each outcome in the audit log (failures at
 * a bounded rate, under the address's subject, never the address), and on
 * success a session cookie.
 *
 * @module
 */

import type { AppContext } from "../app_state.ts";
import {
  type AdminRuntime,
  groupSubject,
  isHttps,
  requestGroup,
  sameOrigin,
  sessionCookie,
} from "./access.ts";
import { readForm } from "./body.ts";
import { SESSION_MS } from "./keys.ts";

/** The outcome of a sign-in attempt. */
export type SignIn =
  | { ok: true; cookie: string }
  | {
    ok: false;
    status: number;
    error: string;
    /** Seconds to wait, with status 429. */
    retryAfter?: number;
  };

/** Checks the sign-in form of `ctx.req`. */
export async function signIn(
  ctx: AppContext,
  runtime: AdminRuntime,
): Promise<SignIn> {
  const { req, state } = ctx;
  const group = requestGroup(req, ctx.info.remoteAddr.hostname, state.config);
  const wait = runtime.throttle.retryAfter(group);
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      error: "Too many wrong tokens from your address. Try again later.",
      retryAfter: wait,
    };
  }
  // A form posted from another site would sign the browser in to ours.
  if (!sameOrigin(req, state.config)) {
    return { ok: false, status: 403, error: "Sign in from this page." };
  }
  const form = await readForm(req);
  if (!form.ok) return { ok: false, status: form.status, error: form.error };
  const token = form.value.get("token") ?? "";
  if (!runtime.keys.matches(token)) {
    runtime.throttle.failed(group);
    await auditFailure(ctx, runtime, group);
    return { ok: false, status: 401, error: "That is not the admin token." };
  }
  await state.moderation.store.addAudit({
    at: Date.now(),
    actor: "admin",
    action: "sign_in",
    target: groupSubject(group),
    detail: "",
  });
  const secure = isHttps(req, state.config);
  return {
    ok: true,
    cookie: sessionCookie(runtime.keys.newSession(Date.now()), {
      secure,
      maxAge: SESSION_MS / 1000,
    }),
  };
}

/**
 * Notes a wrong token in the audit log, at most as often as the audit
 * budget allows: a crowd of addresses cannot flood the log.
 */
export async function auditFailure(
  ctx: AppContext,
  runtime: AdminRuntime,
  group: string,
): Promise<void> {
  if (runtime.auditBudget.retryAfter("*") > 0) return;
  runtime.auditBudget.failed("*");
  await ctx.state.moderation.store.addAudit({
    at: Date.now(),
    actor: "unknown",
    action: "sign_in_failed",
    target: groupSubject(group),
    detail: "",
  });
}
