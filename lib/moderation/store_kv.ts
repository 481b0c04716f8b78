/// <reference lib="deno.unstable" />
/**
 * The moderation store on Deno KV: the embedded default (a SQLite file
 * under `DATA_DIR`, or `:memory:`), a shared file at `KV_PATH`, or Deno
 * Deploy's KV (`:deploy`). Every key starts with `"mod"`, so it may share a
 * database with the KV pairing backend.
 *
 * - A report's head (`["mod","r",id]`) holds everything but its lines; the
 *   lines are kept in pieces (`["mod","rl",id,line,piece]`), since one KV
 *   value holds at most 64 KiB and a report up to 50 long lines. The pieces
 *   are written first and the head last, so a report is seen whole or not.
 * - `["mod","rs",subject,at,id]` → reporter answers `reporters()` with one
 *   range read; `["mod","os",id]` lists the open reports' subjects.
 * - `["mod","v"]` is summed in the same atomic write as every change of
 *   bans and reports: the version other instances poll.
 * - Reports, their indexes and audit entries carry `expireIn` (the
 *   retention), bans their length plus an hour; `purge` removes them by
 *   their own times, which do not depend on KV's lazy expiry.
 *
 * @module
 */

import { isBusy } from "../backends/kv_queue.ts";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import {
  AUDIT_MAX,
  type AuditEntry,
  type Ban,
  DEFAULT_RETENTION,
  isStoreId,
  type ModerationStore,
  onceDigest,
  type OpenReport,
  type Report,
  sortableId,
  type StoredLine,
  type StoreOptions,
} from "./store.ts";

/** A report without its lines, and when KV lets it expire (system time). */
type Head = Omit<Report, "id" | "lines"> & { lines: number; expires: number };

/** A piece of one line's message. */
interface Piece {
  from: StoredLine["from"];
  verified: boolean;
  text: string;
}

const VERSION = ["mod", "v"];
/** Characters of a message per KV value: at most 32 KiB as UTF-16. */
const PIECE = 16_000;
/** Mutations and estimated bytes per atomic write, inside KV's limits. */
const MAX_MUTATIONS = 500;
const MAX_BYTES = 400_000;
const HOUR = 3_600_000;
const STATUSES: readonly Report["status"][] = ["open", "dismissed", "banned"];

/** Runs `attempt` again while another process holds the file's lock. */
async function unlocked<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) || i >= 100) throw error;
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 5 * (i + 1)));
    }
  }
}

/** A {@linkcode ModerationStore} on Deno KV. Open with {@linkcode open}. */
export class KvModerationStore implements ModerationStore {
  #kv: Deno.Kv;
  #clock: Clock;
  #retention: number;

  private constructor(kv: Deno.Kv, options: StoreOptions) {
    this.#kv = kv;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#retention = options.retention ?? DEFAULT_RETENTION;
  }

  /**
   * Opens the KV database at `path` (`":memory:"`: in memory only,
   * `":deploy"`: Deno Deploy's own).
   */
  static async open(
    path: string,
    options: StoreOptions = {},
  ): Promise<KvModerationStore> {
    const kv = await unlocked(() =>
      Deno.openKv(path === ":deploy" ? undefined : path)
    );
    return new KvModerationStore(kv, options);
  }

  async addReport(input: Omit<Report, "id">): Promise<Report> {
    const id = sortableId(input.at);
    const report: Report = {
      ...input,
      id,
      subjects: [...new Set(input.subjects)],
      lines: input.lines.map(({ from, message, verified }) => ({
        from,
        message,
        verified,
      })),
    };
    const expireIn = this.#retention;
    const pieces: Deno.KvMutation[] = [];
    report.lines.forEach(({ from, message, verified }, i) => {
      for (let j = 0; j === 0 || j * PIECE < message.length; j++) {
        const text = message.slice(j * PIECE, (j + 1) * PIECE);
        const value: Piece = { from, verified, text };
        pieces.push({
          key: ["mod", "rl", id, i, j],
          type: "set",
          value,
          expireIn,
        });
      }
    });
    await this.#write(pieces, false);
    const { lines: _, id: __, ...rest } = report;
    const head: Head = {
      ...rest,
      lines: report.lines.length,
      expires: Date.now() + expireIn,
    };
    const indexes: Deno.KvMutation[] = [
      { key: ["mod", "r", id], type: "set", value: head, expireIn },
      ...report.subjects.map((subject): Deno.KvMutation => ({
        key: ["mod", "rs", subject, report.at, id],
        type: "set",
        value: report.reporter,
        expireIn,
      })),
    ];
    if (report.status === "open") {
      indexes.push({
        key: ["mod", "os", id],
        type: "set",
        value: report.subjects,
        expireIn,
      });
    }
    await this.#write(indexes, true);
    return report;
  }

  async reports(status?: Report["status"]): Promise<Report[]> {
    const found: Report[] = [];
    const heads = this.#kv.list<Head>({ prefix: ["mod", "r"] }, {
      reverse: true,
    });
    for await (const { key, value } of heads) {
      if (status !== undefined && value.status !== status) continue;
      found.push(await this.#whole(key[2] as string, value));
    }
    return found;
  }

  async report(id: string): Promise<Report | undefined> {
    if (!isStoreId(id)) return undefined;
    const { value } = await this.#kv.get<Head>(["mod", "r", id]);
    return value ? await this.#whole(id, value) : undefined;
  }

  async setReportStatus(
    id: string,
    status: Report["status"],
  ): Promise<boolean> {
    if (!isStoreId(id) || !STATUSES.includes(status)) return false;
    for (;;) {
      const entry = await this.#kv.get<Head>(["mod", "r", id]);
      if (!entry.value) return false;
      const head = { ...entry.value, status };
      const expireIn = Math.max(1, head.expires - Date.now());
      const op = this.#kv.atomic().check(entry)
        .set(["mod", "r", id], head, { expireIn })
        .sum(VERSION, 1n);
      if (status === "open") {
        op.set(["mod", "os", id], head.subjects, { expireIn });
      } else op.delete(["mod", "os", id]);
      if ((await unlocked(() => op.commit())).ok) return true;
    }
  }

  async openReports(): Promise<OpenReport[]> {
    const open: OpenReport[] = [];
    const list = this.#kv.list<string[]>({ prefix: ["mod", "os"] });
    for await (const { key, value } of list) {
      open.push({ id: key[2] as string, subjects: value });
    }
    return open;
  }

  async reporters(subject: string, since: number): Promise<number> {
    const prefix = ["mod", "rs", subject];
    const selector = Number.isFinite(since)
      ? { prefix, start: [...prefix, since] }
      : { prefix };
    const distinct = new Set<string>();
    for await (const { value } of this.#kv.list<string>(selector)) {
      distinct.add(value);
    }
    return distinct.size;
  }

  async addBan(input: Omit<Ban, "id">): Promise<Ban> {
    const ban: Ban = { ...input, id: sortableId(input.at) };
    const expireIn = Math.max(0, ban.until - ban.at) + HOUR;
    await this.#write([
      { key: ["mod", "b", ban.id], type: "set", value: ban, expireIn },
    ], true);
    return ban;
  }

  async removeBan(id: string): Promise<boolean> {
    if (!isStoreId(id)) return false;
    for (;;) {
      const entry = await this.#kv.get<Ban>(["mod", "b", id]);
      if (!entry.value) return false;
      const op = this.#kv.atomic().check(entry).delete(entry.key)
        .sum(VERSION, 1n);
      if ((await unlocked(() => op.commit())).ok) return true;
    }
  }

  async bans(now: number): Promise<Ban[]> {
    const active: Ban[] = [];
    for await (
      const { value } of this.#kv.list<Ban>({ prefix: ["mod", "b"] })
    ) {
      if (value.until > now) active.push(value);
    }
    return active;
  }

  async version(): Promise<number> {
    const { value } = await this.#kv.get<Deno.KvU64>(VERSION);
    return value ? Number(value.value) : 0;
  }

  async addAudit(input: Omit<AuditEntry, "id">): Promise<void> {
    const entry: AuditEntry = { ...input, id: sortableId(input.at) };
    await this.#write([{
      key: ["mod", "a", entry.id],
      type: "set",
      value: entry,
      expireIn: this.#retention,
    }], false);
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    const most = Math.min(Math.max(Math.floor(limit) || 0, 0), AUDIT_MAX);
    if (most === 0) return [];
    const entries: AuditEntry[] = [];
    const list = this.#kv.list<AuditEntry>({ prefix: ["mod", "a"] }, {
      reverse: true,
      limit: most,
    });
    for await (const { value } of list) entries.push(value);
    return entries;
  }

  async useOnce(key: string, until: number): Promise<boolean> {
    const now = this.#clock.now();
    if (!(until > now)) return false;
    const at = ["mod", "o", onceDigest(key)];
    for (;;) {
      const entry = await this.#kv.get<number>(at);
      if (entry.value !== null && entry.value > now) return false;
      const op = this.#kv.atomic().check(entry)
        .set(at, until, { expireIn: Math.max(1, until - now) });
      if ((await unlocked(() => op.commit())).ok) return true;
    }
  }

  async purge(now: number, reportsBefore: number): Promise<void> {
    const drop: Deno.KvKey[] = [];
    let changed = false;
    for await (
      const { key, value } of this.#kv.list<Head>({ prefix: ["mod", "r"] })
    ) {
      if (value.at >= reportsBefore) continue;
      const id = key[2] as string;
      changed = true;
      drop.push(key, ["mod", "os", id]);
      for (const subject of value.subjects) {
        drop.push(["mod", "rs", subject, value.at, id]);
      }
      for await (const piece of this.#kv.list({ prefix: ["mod", "rl", id] })) {
        drop.push(piece.key);
      }
    }
    for await (
      const { key, value } of this.#kv.list<Ban>({ prefix: ["mod", "b"] })
    ) {
      if (value.until <= now) {
        drop.push(key);
        changed = true;
      }
    }
    let kept = 0;
    const audit = this.#kv.list<AuditEntry>({ prefix: ["mod", "a"] }, {
      reverse: true,
    });
    for await (const { key, value } of audit) {
      if (kept >= AUDIT_MAX || value.at < reportsBefore) drop.push(key);
      else kept++;
    }
    for await (
      const { key, value } of this.#kv.list<number>({ prefix: ["mod", "o"] })
    ) {
      if (value <= now) drop.push(key);
    }
    await this.#write(drop.map((key) => ({ key, type: "delete" })), changed);
  }

  close(): Promise<void> {
    this.#kv.close();
    return Promise.resolve();
  }

  /** The report `id` with its lines put back together. */
  async #whole(id: string, head: Head): Promise<Report> {
    const lines: StoredLine[] = [];
    for await (
      const { key, value } of this.#kv.list<Piece>({
        prefix: ["mod", "rl", id],
      })
    ) {
      const [i, j] = [key[3] as number, key[4] as number];
      const line = lines[i];
      if (j === 0 || !line) {
        lines[i] = {
          from: value.from,
          message: value.text,
          verified: value.verified,
        };
      } else line.message += value.text;
    }
    const { expires: _, lines: __, ...rest } = head;
    return { ...rest, id, lines: lines.filter(Boolean) };
  }

  /**
   * Commits `mutations` in atomic writes within KV's limits; `bump`: the
   * last one also moves the version.
   */
  async #write(mutations: Deno.KvMutation[], bump: boolean): Promise<void> {
    const batches: Deno.KvMutation[][] = [[]];
    let bytes = 0;
    for (const mutation of mutations) {
      const size = 2 * JSON.stringify(mutation).length;
      const batch = batches.at(-1)!;
      if (
        batch.length >= MAX_MUTATIONS ||
        (batch.length > 0 && bytes + size > MAX_BYTES)
      ) {
        batches.push([mutation]);
        bytes = size;
      } else {
        batch.push(mutation);
        bytes += size;
      }
    }
    if (bump) {
      batches.at(-1)!.push({
        key: VERSION,
        type: "sum",
        value: new Deno.KvU64(1n),
      });
    }
    for (const batch of batches) {
      if (batch.length === 0) continue;
      await unlocked(() => this.#kv.atomic().mutate(...batch).commit());
    }
  }
}
