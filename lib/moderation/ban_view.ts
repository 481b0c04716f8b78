/**
 * The in-memory copy of what the switchboard asks on every request: the
 * bans in force by subject, and which subjects open reports name. Pure:
 * {@linkcode Moderation} fills it from the store and keeps it current.
 *
 * @module
 */

import type { Ban, OpenReport } from "./store.ts";

/** Bans by subject and open reports' subjects, answered synchronously. */
export class BanView {
  /** Bans by subject. */
  #bans = new Map<string, Ban[]>();
  /** Open reports' subjects by report id. */
  #open = new Map<string, string[]>();
  /** How many open reports name each subject. */
  #flagged = new Map<string, number>();

  /** A view of `bans` and `open` reports. */
  constructor(bans: readonly Ban[] = [], open: readonly OpenReport[] = []) {
    for (const ban of bans) this.putBan(ban);
    for (const { id, subjects } of open) this.setOpen(id, subjects);
  }

  /**
   * The ban in force at `now` on one of `subjects`, a visible one first;
   * `undefined` when none.
   */
  banned(subjects: readonly string[], now: number): Ban | undefined {
    let shadow: Ban | undefined;
    for (const subject of subjects) {
      for (const ban of this.#bans.get(subject) ?? []) {
        if (ban.until <= now) continue;
        if (ban.visible) return ban;
        shadow ??= ban;
      }
    }
    return shadow;
  }

  /** Whether open reports name one of `subjects`. */
  flagged(subjects: readonly string[]): boolean {
    return subjects.some((subject) => this.#flagged.has(subject));
  }

  /** Open reports, and bans in force at `now`. */
  counts(now: number): { openReports: number; activeBans: number } {
    let activeBans = 0;
    for (const bans of this.#bans.values()) {
      for (const ban of bans) if (ban.until > now) activeBans++;
    }
    return { openReports: this.#open.size, activeBans };
  }

  /** Adds `ban` (or replaces the one with its id). */
  putBan(ban: Ban): void {
    const bans = this.#bans.get(ban.subject) ?? [];
    this.#bans.set(ban.subject, [...bans.filter((b) => b.id !== ban.id), ban]);
  }

  /** Forgets `ban`. */
  dropBan(ban: Ban): void {
    const bans = (this.#bans.get(ban.subject) ?? [])
      .filter((b) => b.id !== ban.id);
    if (bans.length > 0) this.#bans.set(ban.subject, bans);
    else this.#bans.delete(ban.subject);
  }

  /** Records the report `id` as open naming `subjects`, or (none) closed. */
  setOpen(id: string, subjects?: readonly string[]): void {
    for (const subject of this.#open.get(id) ?? []) {
      const count = (this.#flagged.get(subject) ?? 0) - 1;
      if (count > 0) this.#flagged.set(subject, count);
      else this.#flagged.delete(subject);
    }
    this.#open.delete(id);
    if (!subjects) return;
    const distinct = [...new Set(subjects)];
    this.#open.set(id, distinct);
    for (const subject of distinct) {
      this.#flagged.set(subject, (this.#flagged.get(subject) ?? 0) + 1);
    }
  }
}
