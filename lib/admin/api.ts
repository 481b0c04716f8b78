/**
 * The console's JSON API, one handler per action, each on
 * `state.moderation`: list and act on reports, list, make and lift bans,
 * read the audit log and the live counts. Bodies and ids are checked
 * before anything is read or written; a refusal changes nothing.
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import { isStoreId } from "../moderation/store.ts";
import { readJson } from "./body.ts";
import { type AdminCall, json, refuse } from "./route.ts";
import {
  parseBanRequest,
  parseLimit,
  parseReportBan,
  parseStatus,
} from "./validate.ts";
import type { Stats } from "./wire.ts";

/** Most reports or audit entries one listing returns. */
const MAX_LIST = 500;

/** `GET /admin/api/reports?status=open&limit=100`: reports, newest first. */
export async function listReports({ ctx }: AdminCall): Promise<Response> {
  const { url, state } = ctx;
  const status = parseStatus(url.searchParams.get("status"));
  if (!status.ok) return refuse(400, status.error);
  const limit = parseLimit(url.searchParams.get("limit"), {
    fallback: 100,
    max: MAX_LIST,
  });
  if (!limit.ok) return refuse(400, limit.error);
  const reports = await state.moderation.store.reports(status.value);
  return json(200, { reports: reports.slice(0, limit.value) });
}

/** `POST /admin/api/reports/:id/dismiss`. */
export async function dismissReport(
  { ctx, caller }: AdminCall,
): Promise<Response> {
  const id = ctx.params.id;
  if (!isStoreId(id)) return refuse(404, "no such report");
  const done = await ctx.state.moderation.dismiss(id, caller.actor);
  return done ? json(200, { ok: true }) : refuse(404, "no such report");
}

/** `POST /admin/api/reports/:id/ban` `{seconds, visible}`: bans its subjects. */
export async function banReport({ ctx, caller }: AdminCall): Promise<Response> {
  const { params, req, state } = ctx;
  const id = params.id;
  if (!isStoreId(id)) return refuse(404, "no such report");
  const body = await readJson(req);
  if (!body.ok) return refuse(body.status, body.error);
  const terms = parseReportBan(body.value);
  if (!terms.ok) return refuse(400, terms.error);
  if (!await state.moderation.store.report(id)) {
    return refuse(404, "no such report");
  }
  const bans = await state.moderation.banReport(
    id,
    terms.value.seconds,
    terms.value.visible,
    caller.actor,
  );
  return json(200, { bans });
}

/** `GET /admin/api/bans`: bans in force. */
export async function listBans({ ctx }: AdminCall): Promise<Response> {
  const bans = await ctx.state.moderation.store.bans(Date.now());
  return json(200, { bans });
}

/**
 * `POST /admin/api/bans` `{address | token, seconds, visible?, reason?}`:
 * bans an address group (or a browser token).
 */
export async function addBan({ ctx, caller }: AdminCall): Promise<Response> {
  const { req, state } = ctx;
  const body = await readJson(req);
  if (!body.ok) return refuse(body.status, body.error);
  const ban = parseBanRequest(body.value, state.config.ipv4Prefix);
  if (!ban.ok) return refuse(400, ban.error);
  const made = await state.moderation.ban(ban.value, caller.actor);
  return json(201, { ban: made });
}

/** `DELETE /admin/api/bans/:id`: lifts a ban. */
export async function removeBan(
  { ctx, caller }: AdminCall,
): Promise<Response> {
  const id = ctx.params.id;
  if (!isStoreId(id)) return refuse(404, "no such ban");
  const done = await ctx.state.moderation.unban(id, caller.actor);
  return done ? json(200, { ok: true }) : refuse(404, "no such ban");
}

/** `GET /admin/api/audit?limit=100`: the audit log, newest first. */
export async function listAudit({ ctx }: AdminCall): Promise<Response> {
  const limit = parseLimit(ctx.url.searchParams.get("limit"), {
    fallback: 100,
    max: MAX_LIST,
  });
  if (!limit.ok) return refuse(400, limit.error);
  const entries = await ctx.state.moderation.store.audit(limit.value);
  return json(200, { entries });
}

/** `GET /admin/api/stats`: the live counts. */
export function stats({ ctx }: AdminCall): Promise<Response> {
  return Promise.resolve(json(200, currentStats(ctx.state)));
}

/** The live counts of `state`. */
export function currentStats(state: AppState): Stats {
  const { openReports, activeBans } = state.moderation.counts();
  return {
    online: state.switchboard.online,
    chatting: state.switchboard.chatting,
    openReports,
    activeBans,
  };
}
