/**
 * The resume scenario of issue 16 (`--only resume`): the relay on our
 * server with resumable visitors (`"resume":true` requests, numbered
 * lines, each socket's last lines held for a resume) against today's
 * visitors on a server with resume off (`--resume-grace 0`), alternating in
 * one run: server CPU per message in an open and a closed loop, and RSS per
 * 1,000 paired sockets once they have chatted. Its targets: each at most
 * {@linkcode MAX_RESUME_RATIO} × resume off.
 *
 * @module
 */

import { completed, lowestOf, type Rounds, type TargetRow } from "./report.ts";
import { round } from "./lib.ts";
import { failure, ratioRow, rows } from "./compare_report.ts";
import {
  relayUnder,
  settingMetrics,
  type SettingOptions,
  type SettingRow,
} from "./setting_relay.ts";

/** Resumable visitors, or today's on a server with resume off. */
export type Resume = "on" | "off";

/** The report's row for one run of the resume scenario. */
export interface ResumeRow extends SettingRow {
  resume: Resume;
}

/** The most resume may cost, against the same run without. */
export const MAX_RESUME_RATIO = 1.15;

/** The relay with resumable visitors, or today's (`setting_relay.ts`). */
export async function resumeRelay(
  resume: Resume,
  options: SettingOptions,
): Promise<ResumeRow> {
  const on = resume === "on";
  const row = await relayUnder({
    flags: ["--resume-grace", on ? "30" : "0"],
    requests: { kind: "plain", seed: 1, resume: on },
  }, options);
  return { ...row, resume };
}

/** The markdown of the resume scenario. */
export function resumeMarkdown(rounds: Rounds<Resume, ResumeRow>): string[] {
  const all = [...rounds.on, ...rounds.off];
  const [one] = completed(all);
  if (!one || !completed(rounds.on).length || !completed(rounds.off).length) {
    return ["", `Resume: failed (${failure(all)}).`];
  }
  return [
    "",
    `Resume: our server with resumable visitors (requests with \`"resume":true\`, numbered lines; the server holds each socket's last 50 lines for a resume) against today's visitors on a server with \`--resume-grace 0\`, ${
      one.pairs.toLocaleString("en")
    } pairs, first an open loop at ${
      one.offeredPerSecond.toLocaleString("en")
    } lines/s for ${Math.round(one.open.seconds)} s, then a closed loop for ${
      Math.round(one.closed.seconds)
    } s; RSS per 1,000 paired sockets is the growth from the idle server to the end of the open loop, each socket having had its share of its lines. ${rounds.on.length} alternating rounds, a fresh server each, medians.`,
    "",
    "| metric | resume on | resume off | on / off |",
    "|---|---:|---:|---:|",
    ...rows(rounds.on, rounds.off, settingMetrics(one.offeredPerSecond)),
  ];
}

/** The resume scenario's targets, when it ran. */
export function resumeTargets(
  rounds: Rounds<Resume, ResumeRow> | undefined,
): TargetRow[] {
  const [one] = rounds ? completed([...rounds.on, ...rounds.off]) : [];
  if (!rounds || !one) return [];
  const both: [typeof rounds.on, typeof rounds.off] = [rounds.on, rounds.off];
  const where = `${
    one.pairs.toLocaleString("en")
  } pairs, median of ${rounds.on.length} rounds`;
  const max = MAX_RESUME_RATIO;
  const closed = (v: ResumeRow) => v.closed.serverCpuPer10k;
  const closedRow = ratioRow(
    `resume on: server CPU per message ≤ ${max} × off, closed loop (${where})`,
    both,
    closed,
    "s/10k",
    max,
  );
  const lowest = round(
    lowestOf(rounds.on, closed) / lowestOf(rounds.off, closed),
    2,
  );
  return [
    ratioRow(
      `resume on: server CPU per message ≤ ${max} × off, open loop at ${
        one.offeredPerSecond.toLocaleString("en")
      } lines/s (${where})`,
      both,
      (v) => v.open.serverCpuPer10k,
      "s/10k",
      max,
    ),
    {
      ...closedRow,
      measured: `${closedRow.measured} (lowest rounds: ${lowest}×)`,
    },
    ratioRow(
      `resume on: RSS per 1,000 paired sockets that chatted ≤ ${max} × off (${where})`,
      both,
      (v) => v.rssPer1000SocketsMb,
      "MB",
      max,
    ),
  ];
}
