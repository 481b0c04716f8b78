/**
 * The safety rules over a {@linkcode ModerationStore}: reports that ban by
 * themselves once enough distinct addresses made them, operator bans and
 * unbans, and the audit entry of each action. The switchboard asks
 * {@linkcode Moderation.banned} and {@linkcode Moderation.flagged} on every
 * request, so both answer synchronously from an in-memory view: changes
 * made through this object apply to it at once, and changes made by other
 * instances arrive by polling the store's version (every 250 ms), so a ban
 * holds everywhere within a second.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import type { Config } from "../ops/config.ts";
import { BanView } from "./ban_view.ts";
import { openStore, type StoreSettings } from "./open_store.ts";
import type { Ban, ModerationStore, Report } from "./store.ts";

/** The options {@linkcode Moderation} reads. */
export type ModerationSettings =
  & StoreSettings
  & Pick<
    Config,
    "reportBanThreshold" | "reportBanWindow" | "reportBanSeconds"
  >;

/** Options for {@linkcode Moderation.open}. */
export interface ModerationOptions {
  /** The time bans and reports are dated by. @default {SYSTEM_CLOCK} */
  clock?: Clock;
  /**
   * The store; the caller keeps it and closes it.
   * @default {the one the settings name, see openStore}
   */
  store?: ModerationStore;
  /** Milliseconds between two looks at the store's version. @default {250} */
  poll?: number;
  /** Milliseconds between two purges. @default {one hour} */
  purgeEvery?: number;
}

/** What an operator's ban says. */
export interface BanInput {
  /** A subject made by `identityOf`. */
  subject: string;
  /** What the operator typed (an address), shown in the console. */
  label: string;
  seconds: number;
  visible: boolean;
  reason: string;
}

/** Longest ban, in seconds: ten years. */
export const MAX_BAN_SECONDS = 10 * 365 * 86_400;
/** Longest label or reason kept, in characters. */
const MAX_TEXT = 200;
const DAY = 86_400_000;

/** Reports, bans and the audit log, with a synchronous view of the bans. */
export class Moderation {
  /** Where everything is kept. */
  readonly store: ModerationStore;
  #settings: ModerationSettings;
  #clock: Clock;
  #owned: boolean;
  #view = new BanView();
  #version = -1;
  #refreshing: Promise<void> | undefined;
  /** Local changes made while a refresh runs, applied again after it. */
  #replay: (() => void)[] = [];
  #purging: Promise<void> = Promise.resolve();
  #serial: Promise<unknown> = Promise.resolve();
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed = false;

  private constructor(
    settings: ModerationSettings,
    store: ModerationStore,
    clock: Clock,
    owned: boolean,
  ) {
    this.#settings = settings;
    this.store = store;
    this.#clock = clock;
    this.#owned = owned;
  }

  /**
   * Opens the store (unless given) and loads the view of bans and open
   * reports; rejects when the store cannot be reached.
   */
  static async open(
    settings: ModerationSettings,
    options: ModerationOptions = {},
  ): Promise<Moderation> {
    const clock = options.clock ?? SYSTEM_CLOCK;
    const store = options.store ?? await openStore(settings, clock);
    const moderation = new Moderation(settings, store, clock, !options.store);
    try {
      await moderation.#load();
    } catch (error) {
      await moderation.close();
      throw error;
    }
    const poll = setInterval(
      () => void moderation.#refresh(),
      options.poll ?? 250,
    );
    const purge = setInterval(
      () => moderation.#purge(),
      options.purgeEvery ?? DAY / 24,
    );
    for (const timer of [poll, purge]) Deno.unrefTimer(timer);
    moderation.#timers = [poll, purge];
    moderation.#purge();
    return moderation;
  }

  /**
   * The ban in force on one of `subjects`, a visible one first; `undefined`
   * when none.
   */
  banned(subjects: readonly string[]): Ban | undefined {
    return this.#view.banned(subjects, this.#clock.now());
  }

  /** Whether open reports name one of `subjects`. */
  flagged(subjects: readonly string[]): boolean {
    return this.#view.flagged(subjects);
  }

  /**
   * Stores a report, open. When as many distinct reporters as the
   * threshold reported one of its subjects within the window, every
   * subject of it not banned yet is shadowbanned, and the report's status
   * is `banned`.
   */
  report(input: Omit<Report, "id" | "status" | "at">): Promise<Report> {
    const run = this.#serial.then(() => this.#report(input));
    this.#serial = run.catch(() => {});
    return run;
  }

  async #report(input: Omit<Report, "id" | "status" | "at">): Promise<Report> {
    const at = this.#clock.now();
    const subjects = [...new Set(input.subjects)].filter(Boolean);
    const report = await this.store.addReport({
      ...input,
      subjects,
      at,
      status: "open",
    });
    this.#change(() => this.#view.setOpen(report.id, report.subjects));
    const { reportBanThreshold, reportBanWindow, reportBanSeconds } =
      this.#settings;
    if (reportBanThreshold <= 0) return report;
    let reporters = 0;
    for (const subject of report.subjects) {
      const since = at - reportBanWindow * 1000;
      reporters = Math.max(
        reporters,
        await this.store.reporters(subject, since),
      );
    }
    if (reporters < reportBanThreshold) return report;
    const fresh = report.subjects.filter((s) => !this.banned([s]));
    for (const subject of fresh) {
      await this.#addBan({
        subject,
        at,
        until: at + reportBanSeconds * 1000,
        visible: false,
        reason: `reports: ${report.reason}`,
        by: "reports",
        label: `report ${report.id}`,
      });
    }
    await this.#setStatus(report.id, "banned");
    if (fresh.length > 0) {
      await this.#audit("reports", "auto_ban", report.id, {
        reporters,
        subjects: fresh.length,
        seconds: reportBanSeconds,
      });
    }
    return { ...report, status: "banned" };
  }

  /**
   * Bans `input.subject` for `input.seconds` (at most
   * {@linkcode MAX_BAN_SECONDS}); throws a `RangeError` for a subject or a
   * length that cannot be.
   */
  async ban(input: BanInput, actor: string): Promise<Ban> {
    const { subject, seconds, visible } = input;
    if (typeof subject !== "string" || subject === "") {
      throw new RangeError("a ban needs a subject");
    }
    checkSeconds(seconds);
    const at = this.#clock.now();
    const label = clip(input.label);
    const ban = await this.#addBan({
      subject,
      at,
      until: at + seconds * 1000,
      visible: visible === true,
      reason: clip(input.reason),
      by: actor,
      label,
    });
    await this.#audit(actor, "ban", label || ban.id, {
      visible: ban.visible,
      seconds,
      reason: ban.reason,
    });
    return ban;
  }

  /**
   * Bans every subject of the report `reportId` and marks it `banned`;
   * none when there is no such report.
   */
  async banReport(
    reportId: string,
    seconds: number,
    visible: boolean,
    actor: string,
  ): Promise<Ban[]> {
    checkSeconds(seconds);
    const report = await this.store.report(reportId);
    if (!report) return [];
    const at = this.#clock.now();
    const bans: Ban[] = [];
    for (const subject of report.subjects) {
      bans.push(
        await this.#addBan({
          subject,
          at,
          until: at + seconds * 1000,
          visible: visible === true,
          reason: `report: ${report.reason}`,
          by: actor,
          label: `report ${report.id}`,
        }),
      );
    }
    await this.#setStatus(report.id, "banned");
    await this.#audit(actor, "ban", report.id, {
      visible: visible === true,
      seconds,
      subjects: bans.length,
    });
    return bans;
  }

  /** Lifts the ban `banId`; `false` when there is no such ban. */
  async unban(banId: string, actor: string): Promise<boolean> {
    const now = this.#clock.now();
    const ban = (await this.store.bans(now)).find((b) => b.id === banId);
    if (!ban || !(await this.store.removeBan(banId))) return false;
    this.#change(() => this.#view.dropBan(ban));
    await this.#audit(actor, "unban", ban.label || ban.id, {
      was_until: new Date(ban.until).toISOString(),
    });
    return true;
  }

  /** Closes the report `reportId` without a ban; `false` when none. */
  async dismiss(reportId: string, actor: string): Promise<boolean> {
    if (!(await this.#setStatus(reportId, "dismissed"))) return false;
    await this.#audit(actor, "dismiss", reportId, {});
    return true;
  }

  /** Open reports and bans in force, from the view. */
  counts(): { openReports: number; activeBans: number } {
    return this.#view.counts(this.#clock.now());
  }

  /** Stops the timers, waits for work under way, closes a store it opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.allSettled([this.#refreshing, this.#purging, this.#serial]);
    if (this.#owned) await this.store.close();
  }

  async #addBan(input: Omit<Ban, "id">): Promise<Ban> {
    const ban = await this.store.addBan(input);
    this.#change(() => this.#view.putBan(ban));
    return ban;
  }

  async #setStatus(id: string, status: Report["status"]): Promise<boolean> {
    if (!(await this.store.setReportStatus(id, status))) return false;
    this.#change(() => this.#view.setOpen(id));
    return true;
  }

  /** Writes an audit entry; `detail` holds no message text. */
  async #audit(
    actor: string,
    action: string,
    target: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.store.addAudit({
      at: this.#clock.now(),
      actor,
      action,
      target,
      detail: JSON.stringify(detail),
    });
  }

  /** Applies a local change to the view now, and again after a refresh. */
  #change(apply: () => void): void {
    apply();
    if (this.#refreshing) this.#replay.push(apply);
  }

  /** Reloads the view when the store's version moved; keeps it on errors. */
  #refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#refreshing ??= this.#load().catch(() => {
      // The store is away: the view stays as it was until it answers.
    }).finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  async #load(): Promise<void> {
    this.#replay = [];
    const version = await this.store.version();
    if (version === this.#version) return;
    const [bans, open] = await Promise.all([
      this.store.bans(this.#clock.now()),
      this.store.openReports(),
    ]);
    this.#view = new BanView(bans, open);
    for (const apply of this.#replay) apply();
    this.#replay = [];
    this.#version = version;
  }

  #purge(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    const before = now - this.#settings.reportRetentionDays * DAY;
    this.#purging = this.#purging.then(() => this.store.purge(now, before))
      .catch(() => {
        // The store is away: the next purge catches up.
      });
  }
}

function checkSeconds(seconds: number): void {
  if (
    typeof seconds !== "number" || !Number.isFinite(seconds) ||
    seconds <= 0 || seconds > MAX_BAN_SECONDS
  ) {
    throw new RangeError(
      `a ban lasts more than 0 and at most ${MAX_BAN_SECONDS} seconds`,
    );
  }
}

function clip(text: unknown): string {
  return typeof text === "string" ? text.slice(0, MAX_TEXT) : "";
}
