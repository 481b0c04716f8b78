/**
 * Checks of what the console's API receives: the bodies of a ban and of a
 * ban from a report, and query parameters. Every field is typed and
 * bounded, unknown fields are refused (so `__proto__` and friends never
 * reach an object of ours), and a refusal says which field and why. Pure.
 *
 * @module
 */

import { identityOf } from "../recent_partners.ts";
import { addressGroup, parseIp } from "../web/address.ts";
import { MAX_BAN_SECONDS, MAX_REASON, MIN_BAN_SECONDS } from "./wire.ts";

/** A checked value, or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** A ban the operator asked for, resolved to its subject. */
export interface BanRequest {
  subject: string;
  /** What the operator typed: the address, or the start of a token. */
  label: string;
  seconds: number;
  visible: boolean;
  reason: string;
}

/** A ban of a report's subjects. */
export interface ReportBanRequest {
  seconds: number;
  visible: boolean;
}

/** Report statuses a listing may ask for. */
export const REPORT_STATUSES = ["open", "dismissed", "banned"] as const;

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const UNPRINTABLE = /\p{C}/u;

/**
 * `POST /admin/api/bans`: `{address, seconds, visible?, reason?}` or
 * `{token, seconds, visible?, reason?}`. An address counts by its group
 * (IPv6 /64, IPv4 by `ipv4Prefix`), as the chat counts it.
 */
export function parseBanRequest(
  body: unknown,
  ipv4Prefix: number,
): Checked<BanRequest> {
  const fields = objectOf(body, [
    "address",
    "token",
    "seconds",
    "visible",
    "reason",
  ]);
  if (!fields.ok) return fields;
  const { address, token } = fields.value;
  const common = banTerms(fields.value);
  if (!common.ok) return common;
  const reason = fields.value.reason ?? "";
  if (
    typeof reason !== "string" || [...reason].length > MAX_REASON ||
    UNPRINTABLE.test(reason)
  ) {
    return fail(
      `reason must be text of at most ${MAX_REASON} printable characters`,
    );
  }
  if ((address === undefined) === (token === undefined)) {
    return fail("give either address or token");
  }
  if (address !== undefined) {
    if (
      typeof address !== "string" || address.length > 64 ||
      parseIp(address) === null
    ) {
      return fail("address must be an IPv4 or IPv6 address");
    }
    const label = address.trim();
    const group = addressGroup(label, { ipv4Prefix });
    return ok({
      ...common.value,
      subject: identityOf(undefined, group),
      label,
      reason,
    });
  }
  if (typeof token !== "string" || !TOKEN.test(token)) {
    return fail("token must be 16 to 64 of [A-Za-z0-9_-]");
  }
  return ok({
    ...common.value,
    subject: identityOf(token, ""),
    // The operator's note of whom, without keeping the token itself.
    label: `token ${token.slice(0, 6)}…`,
    reason,
  });
}

/** `POST /admin/api/reports/:id/ban`: `{seconds, visible?}`. */
export function parseReportBan(body: unknown): Checked<ReportBanRequest> {
  const fields = objectOf(body, ["seconds", "visible"]);
  return fields.ok ? banTerms(fields.value) : fields;
}

/** `?status=` of the report listing: a status, or all when absent. */
export function parseStatus(
  text: string | null,
): Checked<typeof REPORT_STATUSES[number] | undefined> {
  if (text === null || text === "") return ok(undefined);
  const status = REPORT_STATUSES.find((s) => s === text);
  return status
    ? ok(status)
    : fail(`status must be one of ${REPORT_STATUSES.join(", ")}`);
}

/** `?limit=`: a whole number from 1 to `max`, `fallback` when absent. */
export function parseLimit(
  text: string | null,
  options: { fallback: number; max: number },
): Checked<number> {
  if (text === null || text === "") return ok(options.fallback);
  const n = Number(text);
  return /^\d{1,6}$/.test(text) && n >= 1 && n <= options.max
    ? ok(n)
    : fail(`limit must be a whole number from 1 to ${options.max}`);
}

function banTerms(
  fields: Record<string, unknown>,
): Checked<ReportBanRequest> {
  const { seconds, visible = false } = fields;
  if (
    !Number.isSafeInteger(seconds) || (seconds as number) < MIN_BAN_SECONDS ||
    (seconds as number) > MAX_BAN_SECONDS
  ) {
    return fail(
      `seconds must be a whole number from ${MIN_BAN_SECONDS} to ${MAX_BAN_SECONDS}`,
    );
  }
  if (typeof visible !== "boolean") {
    return fail("visible must be true or false");
  }
  return ok({ seconds: seconds as number, visible });
}

/** `body` as a plain object holding only `allowed` keys. */
function objectOf(
  body: unknown,
  allowed: readonly string[],
): Checked<Record<string, unknown>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail("the body must be a JSON object");
  }
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    return fail(`unknown field ${JSON.stringify(unknown.slice(0, 40))}`);
  }
  return ok(body as Record<string, unknown>);
}

function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
