/**
 * Churn across a cluster (`--only churn-cluster`): three of our servers and
 * one redis-server on core 0, the churn scenario's load on core 1 (200
 * visitors at a time, each pairing, saying 3 lines and leaving) spread over
 * the three in turn; with `MATCH_LOCAL_WINDOW=0` (strict first come, first
 * served) and at its default (a waiter on one's own instance first, by a
 * little), alternating. The share of pairs that spanned two instances comes
 * from each server's `strangers_pairs_across_total` and
 * `strangers_pairs_total`.
 *
 * @module
 */

import { type ChurnReply, Generator } from "./generator.ts";
import { type Percentiles, round } from "./lib.ts";
import { completed, medianOf, type Rounds } from "./report.ts";
import { cpuFrom, metricOf, OURS_BASE } from "./process.ts";
import { startFleet } from "./fleet.ts";
import type { ScenarioOptions } from "./scenarios.ts";

/** Strict first come, first served, or the default local window. */
export type LocalWindow = "strict" | "local";

/** One run of churn across three instances. */
export interface ChurnClusterRow {
  instances: number;
  seconds: number;
  pairs: number;
  /** Of those, the share whose two visitors were on two instances. */
  crossShare: number;
  pairsPerSecond: number;
  /** From `request` to `response`. */
  pairingMs: Percentiles;
  errors: number;
  /** Every serving process: the servers and redis-server. */
  cpuMsPerPair: number;
}

const INSTANCES = 3;

/** Churn for `seconds` over three instances on one Redis. */
export async function churnCluster(
  window: LocalWindow,
  options: ScenarioOptions & { seconds: number },
): Promise<ChurnClusterRow> {
  const fleet = await startFleet({
    instances: INSTANCES,
    args: [
      ...OURS_BASE,
      ...(window === "strict" ? ["--match-local-window", "0"] : []),
    ],
    ours: options.ours,
  });
  const { servers, pids } = fleet;
  let g: Generator | undefined;
  try {
    g = new Generator(servers, { id: 0 });
    const cpuSince = cpuFrom(pids);
    const result = await g.call<ChurnReply>({
      cmd: "churn",
      seconds: options.seconds,
      slots: 200,
      lines: 3,
    });
    const cpu = cpuSince().reduce((a, b) => a + b, 0);
    const sum = async (name: string) =>
      (await Promise.all(servers.map((s) => metricOf(s, name))))
        .reduce((a, b) => a + b);
    const pairs = await sum("strangers_pairs_total");
    return {
      instances: INSTANCES,
      seconds: options.seconds,
      pairs,
      crossShare: round(await sum("strangers_pairs_across_total") / pairs, 3),
      pairsPerSecond: round(result.responsesPerSecond / 2, 1),
      pairingMs: result.pairing,
      errors: result.errors,
      cpuMsPerPair: round(cpu * 1000 / pairs, 3),
    };
  } finally {
    await g?.quit();
    await fleet.stop();
  }
}

/** Markdown lines for the churn across a cluster. */
export function churnClusterMarkdown(
  rounds: Rounds<LocalWindow, ChurnClusterRow>,
): string[] {
  const [one] = completed(rounds.local);
  if (!one || completed(rounds.strict).length === 0) {
    return ["", "Churn across a cluster: failed (no completed round)."];
  }
  const row = (metric: string, pick: (row: ChurnClusterRow) => number) =>
    `| ${metric} | ${round(medianOf(rounds.local, pick), 3)} | ${
      round(medianOf(rounds.strict, pick), 3)
    } |`;
  return [
    "",
    `Churn across a cluster: ${one.instances} of our servers on one redis-server, all on core 0, the churn load (200 visitors at a time, each pairing, saying 3 lines and leaving) spread over them in turn for ${one.seconds} s; \`MATCH_LOCAL_WINDOW\` at its default (50 ms) against 0, ${
      completed(rounds.local).length
    } alternating rounds, medians.`,
    "",
    "| metric | local window (50 ms) | strict order (0) |",
    "|---|---:|---:|",
    row("**share of pairs spanning two instances**", (v) => v.crossShare),
    row("pairs/s", (v) => v.pairsPerSecond),
    row("CPU ms per pair, all serving processes", (v) => v.cpuMsPerPair),
    row("pairing p50 (ms)", (v) => v.pairingMs.p50),
    row("pairing p99 (ms)", (v) => v.pairingMs.p99),
    row("errors", (v) => v.errors),
  ];
}
