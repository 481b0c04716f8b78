/**
 * The presence scenario: N pages open on the first screen (sockets that
 * said `presence`), the online count moving as a pair joins or leaves every
 * second (climbing five pairs, then falling), and what they cost the server: CPU share while they sit, with the
 * count still and moving, and RSS per 1,000 of them. The reference relay has
 * no presence and pushes nothing: it only holds the same sockets, the floor
 * of what an open socket costs. Also the markdown table of its rows.
 *
 * @module
 */

import type { PresentReply, WatchReply } from "./generator.ts";
import { type Percentiles, round, sleep } from "./lib.ts";
import { readCpuSeconds, readMemoryKb, type Target } from "./process.ts";
import { type Both, first } from "./report.ts";
import {
  mb,
  mbPer1000Sockets,
  type ScenarioOptions,
  session,
} from "./scenarios.ts";
import { OURS_BASE } from "./process.ts";

/** The report's row for the presence scenario. */
export interface PresenceRow {
  /** Presence sockets wanted at the top step. */
  pages: number;
  /** Open at the end. */
  held: number;
  /** Answered with `online` on presence (0 on the reference). */
  answered: number;
  idleRssMb: number;
  points: { sockets: number; rssMb: number }[];
  rssPer1000Mb: number;
  /** Server CPU share while the count stands still. */
  stillCpuShare: number;
  /** Server CPU share while a pair joins or leaves every second. */
  movingCpuShare: number;
  /** `online` pushes received per page per second while it moves. */
  pushesPerPagePerSecond: number;
  /** From a change to a page seeing the new count (ms). */
  seenMs: Percentiles;
  changes: number;
  errors: number;
  /** Every generator's tally of errors by kind, at the end. */
  errorKinds: Record<string, number>[];
}

/** Options for {@linkcode presence}. */
export interface PresenceOptions extends ScenarioOptions {
  /** Presence sockets held at each step, rising. */
  steps: readonly number[];
  /** Length of each measurement window. */
  seconds: number;
}

/** 8. Open pages: presence sockets sitting on a moving count. */
export async function presence(
  target: Target,
  options: PresenceOptions,
): Promise<PresenceRow> {
  const setup = { target, ours: options.ours, serverFlags: OURS_BASE };
  return await session({ ...setup, generators: 2 }, async (server, gs) => {
    await sleep(1500);
    const idle = readMemoryKb(server.pid).rssKb;
    const points = [{ sockets: 0, rssKb: idle }];
    let held = 0;
    let errors = 0;
    let last: PresentReply[] = [];
    for (const step of options.steps) {
      const share = Math.ceil((step - held) / gs.length);
      last = await Promise.all(
        gs.map((g) =>
          g.call<PresentReply>({ cmd: "present", count: share, batch: 500 })
        ),
      );
      errors += last.reduce((n, r) => n + r.errors, 0);
      held = step;
      await sleep(1500);
      points.push({ sockets: held, rssKb: readMemoryKb(server.pid).rssKb });
    }
    const window = async (every: number) => {
      const before = readCpuSeconds(server.pid);
      const started = performance.now();
      const replies = await Promise.all(gs.map((g, i) =>
        g.call<WatchReply>({
          cmd: "watch",
          seconds: options.seconds,
          // One generator moves the count; every page watches it.
          every: i === 0 ? every : 0,
        })
      ));
      const seconds = (performance.now() - started) / 1000;
      const cpu = (readCpuSeconds(server.pid) - before) / seconds;
      return { replies, cpu, seconds };
    };
    const still = await window(0);
    const moving = await window(1000);
    const pages = moving.replies.reduce((n, r) => n + r.present, 0);
    const pushes = moving.replies.reduce((n, r) => n + r.online, 0);
    errors += [...still.replies, ...moving.replies]
      .reduce((n, r) => n + r.errors, 0);
    return {
      pages: held,
      held: pages,
      answered: last.reduce((n, r) => n + r.answered, 0),
      idleRssMb: mb(idle),
      points: points.map((p) => ({ sockets: p.sockets, rssMb: mb(p.rssKb) })),
      rssPer1000Mb: mbPer1000Sockets(points),
      stillCpuShare: round(still.cpu, 3),
      movingCpuShare: round(moving.cpu, 3),
      pushesPerPagePerSecond: round(pushes / pages / moving.seconds, 2),
      seenMs: moving.replies[0].seen,
      changes: moving.replies[0].changes,
      errors,
      errorKinds: moving.replies.map((r) => r.errorKinds),
    };
  });
}

/** The presence table: ours with pushes; the reference holding sockets only. */
export function presenceMarkdown(
  rounds: Both<PresenceRow>,
): string[] {
  let a: PresenceRow;
  let b: PresenceRow | null = null;
  try {
    a = first(rounds.ours);
  } catch (error) {
    return ["", `Open pages: failed (${String(error).slice(0, 80)})`];
  }
  try {
    b = first(rounds.reference);
  } catch { /* ours alone */ }
  const n = a.pages.toLocaleString("en");
  const show = (x: number | undefined) =>
    typeof x === "number" && !isNaN(x) ? String(x) : "–";
  const row = (metric: string, ours: number, ref?: number) =>
    `| ${metric} | ${show(ours)} | ${show(ref)} |`;
  return [
    "",
    `Open pages: ${n} sockets that said \`presence\` (the idle screen), then every second a pair joining (up to five pairs) or leaving (down to none), so that the count moves. "ours" pushes the count to each of them at most once a second; "ref" (the reference relay) has no presence and no count: it only holds the same sockets, the floor of an open socket's cost.`,
    "",
    "| metric | ours (presence, count pushed) | ref (sockets held, nothing pushed) |",
    "|---|---:|---:|",
    row("pages held", a.held, b?.held),
    row("answered with the count on presence", a.answered, b?.answered),
    row("RSS per 1,000 pages (MB)", a.rssPer1000Mb, b?.rssPer1000Mb),
    row(
      `RSS at ${n} pages (MB)`,
      a.points.at(-1)!.rssMb,
      b?.points.at(-1)?.rssMb,
    ),
    row(
      "server CPU share, count still (cores)",
      a.stillCpuShare,
      b?.stillCpuShare,
    ),
    row(
      "**server CPU share, count moving every second (cores)**",
      a.movingCpuShare,
      b?.movingCpuShare,
    ),
    row(
      "pushes per page per second",
      a.pushesPerPagePerSecond,
      b?.pushesPerPagePerSecond,
    ),
    row("change → seen by a page, p50 (ms)", a.seenMs.p50, b?.seenMs.p50),
    row("change → seen by a page, p99 (ms)", a.seenMs.p99, b?.seenMs.p99),
    row("errors", a.errors, b?.errors),
  ];
}
