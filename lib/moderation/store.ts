/**
 * What the safety tools keep, and the contract of the stores that keep it:
 * reports (with the reporter's copy of the lines, each marked verified or
 * not), bans, the audit log of every operator action, and single-use keys
 * (proof-of-work solutions). Subjects are hashed identities
 * (`identityOf` in `recent_partners.ts`), never addresses or tokens.
 * Implementations: Deno KV (`store_kv.ts`, the embedded default and
 * `KV_PATH`) and Redis (`store_redis.ts`).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { ReportReason } from "./report_frame.ts";

export type { ReportReason };

/** A line of a report, as the reporter sent it, checked against digests. */
export interface StoredLine {
  from: "me" | "guest";
  message: string;
  /** Whether the server's digest of the chat matches this line. */
  verified: boolean;
}

/** A visitor's report of a stranger. */
export interface Report {
  id: string;
  /** When it was made, in milliseconds since epoch. */
  at: number;
  reason: ReportReason;
  note: string;
  lines: StoredLine[];
  /** The reporter's address subject. */
  reporter: string;
  /** The reported visitor's subjects (address, and token if any). */
  subjects: string[];
  status: "open" | "dismissed" | "banned";
}

/** A ban of one subject until a time. */
export interface Ban {
  id: string;
  subject: string;
  /** When it was made, in milliseconds since epoch. */
  at: number;
  /** When it ends, in milliseconds since epoch. */
  until: number;
  /** Visible: the visitor is told (4003); else a shadowban. */
  visible: boolean;
  reason: string;
  /** Who made it: `"reports"`, `"admin"`, `"cli"` or `"api"`. */
  by: string;
  /** What the operator typed (an address), or the report it came from. */
  label: string;
}

/** One line of the audit log. */
export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  /** `auto_ban`, `ban`, `unban`, `dismiss`, `sign_in`, `sign_in_failed`. */
  action: string;
  /** What the action was about: a ban's label, a report's id. */
  target: string;
  detail: string;
}

/** An open report as the in-memory view needs it: no lines. */
export interface OpenReport {
  id: string;
  subjects: string[];
}

/** Where reports, bans, the audit log and single-use keys are kept. */
export interface ModerationStore {
  /** Stores a report under a new id. */
  addReport(report: Omit<Report, "id">): Promise<Report>;
  /** Reports, newest first, of one status or all. */
  reports(status?: Report["status"]): Promise<Report[]>;
  /** The report `id`, if kept. */
  report(id: string): Promise<Report | undefined>;
  /** Changes a report's status; `false` when there is no such report. */
  setReportStatus(id: string, status: Report["status"]): Promise<boolean>;
  /** Open reports' ids and subjects, without their lines. */
  openReports(): Promise<OpenReport[]>;
  /**
   * How many distinct reporters reported `subject` at or after `since`
   * (milliseconds since epoch).
   */
  reporters(subject: string, since: number): Promise<number>;
  /** Stores a ban under a new id. */
  addBan(ban: Omit<Ban, "id">): Promise<Ban>;
  /** Lifts a ban; `false` when there is no such ban. */
  removeBan(id: string): Promise<boolean>;
  /** Bans still in force at `now`, oldest first. */
  bans(now: number): Promise<Ban[]>;
  /** A number that changes whenever bans or reports change. */
  version(): Promise<number>;
  /** Appends to the audit log. */
  addAudit(entry: Omit<AuditEntry, "id">): Promise<void>;
  /** The audit log's last `limit` entries, newest first. */
  audit(limit: number): Promise<AuditEntry[]>;
  /**
   * `true` the first time `key` is used before `until` (milliseconds since
   * epoch, on the store's clock), across every instance sharing the store;
   * `false` when it was used and has not expired, or `until` has passed.
   */
  useOnce(key: string, until: number): Promise<boolean>;
  /**
   * Drops bans ended at `now`, reports (and audit entries) made before
   * `reportsBefore`, audit entries past {@linkcode AUDIT_MAX}, and expired
   * single-use keys.
   */
  purge(now: number, reportsBefore: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of the stores. */
export interface StoreOptions {
  /** The time `useOnce` compares with. @default {SYSTEM_CLOCK} */
  clock?: Clock;
  /**
   * Milliseconds after which reports and audit entries expire by
   * themselves; `purge` removes them sooner by their time.
   * @default {30 days}
   */
  retention?: number;
}

/** Audit entries kept at most. */
export const AUDIT_MAX = 1000;
/** Default retention of reports, in milliseconds. */
export const DEFAULT_RETENTION = 30 * 86_400_000;

let lastAt = -1;
let sequence = 0;

/**
 * A new id that sorts by `at` (then by creation within one process):
 * lowercase letters and digits, 22 characters.
 */
export function sortableId(at: number): string {
  const time = Math.max(0, Math.min(Math.floor(at), 36 ** 10 - 1));
  sequence = time === lastAt ? sequence + 1 : 0;
  lastAt = time;
  const random = crypto.getRandomValues(new Uint8Array(8));
  return time.toString(36).padStart(10, "0") +
    (sequence % 36 ** 4).toString(36).padStart(4, "0") +
    Array.from(random, (b) => (b % 36).toString(36)).join("");
}

/** Whether `id` has the shape {@linkcode sortableId} makes. */
export function isStoreId(id: unknown): id is string {
  return typeof id === "string" && /^[0-9a-z]{22}$/.test(id);
}

/** A single-use key of bounded size, whatever the caller's key. */
export function onceDigest(key: string): string {
  return createHash("sha256").update(key).digest("base64url");
}
