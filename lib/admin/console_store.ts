/**
 * The console's state in the browser (browser code): the open reports,
 * the bans, the audit log and the counts as signals, and the actions that
 * call the JSON API with the session's CSRF token and refresh what they
 * changed. A lost session sends the page to the sign-in form.
 *
 * @module
 */

import { batch, type Signal, signal } from "@preact/signals";
import type { AuditEntry, Ban, Report } from "../moderation/store.ts";
import { CSRF_HEADER, type Stats } from "./wire.ts";

/** What the console shows. */
export interface ConsoleData {
  reports: Report[];
  bans: Ban[];
  audit: AuditEntry[];
  stats: Stats;
}

/** A line for the operator after an action. */
export interface Notice {
  kind: "ok" | "error";
  text: string;
}

/** Options for {@linkcode createConsoleStore}. */
export interface ConsoleStoreOptions {
  /** The session's CSRF token. */
  csrf: string;
  /** @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Where a lost session goes. @default {location.assign} */
  signIn?: () => void;
}

/** The console's signals and actions. */
export interface ConsoleStore {
  reports: Signal<Report[]>;
  bans: Signal<Ban[]>;
  audit: Signal<AuditEntry[]>;
  stats: Signal<Stats>;
  notice: Signal<Notice | null>;
  /** True while an action runs: its buttons are disabled. */
  busy: Signal<boolean>;
  /** Reloads the lists and the counts. */
  refresh(): Promise<void>;
  /** Reloads the counts, and the lists when the counts say they changed. */
  poll(): Promise<void>;
  dismiss(id: string): Promise<boolean>;
  banReport(id: string, seconds: number, visible: boolean): Promise<boolean>;
  ban(
    terms: {
      address: string;
      seconds: number;
      visible: boolean;
      reason: string;
    },
  ): Promise<boolean>;
  unban(id: string): Promise<boolean>;
}

/** Audit entries the console shows. */
const AUDIT_SHOWN = 50;

/** The console's store over `initial`, talking to `/admin/api/`. */
export function createConsoleStore(
  initial: ConsoleData,
  options: ConsoleStoreOptions,
): ConsoleStore {
  const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  const signIn = options.signIn ?? (() => location.assign("/admin/login"));
  const store: ConsoleStore = {
    reports: signal(initial.reports),
    bans: signal(initial.bans),
    audit: signal(initial.audit),
    stats: signal(initial.stats),
    notice: signal(null),
    busy: signal(false),
    refresh,
    poll,
    dismiss: (id) =>
      act("POST", `reports/${id}/dismiss`, undefined, "Report dismissed."),
    banReport: (id, seconds, visible) =>
      act(
        "POST",
        `reports/${id}/ban`,
        { seconds, visible },
        "Banned the reported visitor.",
      ),
    ban: (terms) => act("POST", "bans", terms, `Banned ${terms.address}.`),
    unban: (id) => act("DELETE", `bans/${id}`, undefined, "Ban lifted."),
  };

  /** Calls the API; `null` with a notice when it refused or failed. */
  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T | null> {
    let res: Response;
    try {
      res = await fetcher(`/admin/api/${path}`, {
        method,
        headers: {
          [CSRF_HEADER]: options.csrf,
          ...body === undefined ? {} : { "Content-Type": "application/json" },
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      store.notice.value = {
        kind: "error",
        text: "The server is unreachable.",
      };
      return null;
    }
    if (res.status === 401) {
      signIn();
      return null;
    }
    const answer = await res.json().catch(() => null) as
      | (T & { error?: string })
      | null;
    if (!res.ok) {
      store.notice.value = {
        kind: "error",
        text: answer?.error ?? `The server answered ${res.status}.`,
      };
      return null;
    }
    return answer;
  }

  async function refresh(): Promise<void> {
    const [reports, bans, audit, stats] = await Promise.all([
      call<{ reports: Report[] }>("GET", "reports?status=open"),
      call<{ bans: Ban[] }>("GET", "bans"),
      call<{ entries: AuditEntry[] }>("GET", `audit?limit=${AUDIT_SHOWN}`),
      call<Stats>("GET", "stats"),
    ]);
    batch(() => {
      if (reports) store.reports.value = reports.reports;
      if (bans) store.bans.value = bans.bans;
      if (audit) store.audit.value = audit.entries;
      if (stats) store.stats.value = stats;
    });
  }

  async function poll(): Promise<void> {
    const stats = await call<Stats>("GET", "stats");
    if (!stats) return;
    const shown = store.stats.peek();
    store.stats.value = stats;
    if (
      stats.openReports !== store.reports.peek().length ||
      stats.activeBans !== store.bans.peek().length ||
      stats.openReports !== shown.openReports ||
      stats.activeBans !== shown.activeBans
    ) {
      await refresh();
    }
  }

  async function act(
    method: string,
    path: string,
    body: unknown,
    done: string,
  ): Promise<boolean> {
    store.busy.value = true;
    try {
      const answer = await call<unknown>(method, path, body);
      if (answer === null) return false;
      store.notice.value = { kind: "ok", text: done };
      await refresh();
      return true;
    } finally {
      store.busy.value = false;
    }
  }

  return store;
}
