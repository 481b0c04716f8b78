/**
 * The interests burst in the report: its tables (in memory, and through two
 * instances on Redis) and its targets, pairs/s at least 0.8 × and server
 * CPU per pair at most 1.5 × the plain first-come burst of the same run.
 *
 * @module
 */

import type {
  Home,
  InterestBurstRow,
  InterestResults,
  PairKinds,
} from "./interests_burst.ts";
import { round } from "./lib.ts";
import {
  completed,
  type Failed,
  medianOf,
  type Outcome,
  type Results,
  type TargetRow,
} from "./report.ts";

/** The least pairs/s of the interests burst, as a share of plain's. */
export const MIN_PAIRS_RATE = 0.8;
/** The most server CPU per pair of the interests burst, against plain's. */
export const MAX_CPU_PER_PAIR = 1.5;

/**
 * The share of its visitors a run must pair to count for the targets'
 * ratios: a run where many failed (a connection refused, a pairing
 * `unavailable`) compares what was left, not the matching.
 */
export const USABLE_SHARE = 0.99;

/** The runs that paired at least {@linkcode USABLE_SHARE} of their visitors. */
function usable(rounds: Outcome<InterestBurstRow>[]): InterestBurstRow[] {
  return completed(rounds).filter((v) => v.paired >= USABLE_SHARE * v.visitors);
}

/** What each home is called in the tables and targets. */
const WHERE: Record<Home, string> = {
  memory: "in memory",
  redis: "two instances on Redis",
};

/** The share of the burst's pairs made by `kind`, in per cent. */
function share(kind: keyof PairKinds): (row: InterestBurstRow) => number {
  return (row) => {
    const all = Object.values(row.matched).reduce((a, b) => a + b, 0);
    return round(row.matched[kind] / all * 100, 1);
  };
}

/** Pairs that span both instances, in per cent of the pairs. */
function spanning(row: InterestBurstRow): number {
  return round(row.crossInstancePairs / row.pairs * 100, 1);
}

/** A row of the tables: its name, its figure, whether a ratio means anything. */
type Metric = [
  name: string,
  pick: (row: InterestBurstRow) => number,
  ratio: boolean,
];

/** Rows that only the Redis tables have. */
const REDIS_ONLY = new Set([
  "of which redis-server",
  "pairs spanning both instances (%)",
]);

/** The rows of a home's tables. */
function metrics(home: Home): Metric[] {
  const redis = home === "redis";
  const cpu = redis
    ? "**server CPU ms per pair** (both servers and redis-server)"
    : "**server CPU ms per pair**";
  const rows: Metric[] = [
    ["**pairs/s**", (v) => v.pairsPerSecond, true],
    [cpu, (v) => v.serverCpuMsPerPair, true],
    ["of which redis-server", (v) => v.redisCpuMsPerPair, true],
    ["time until all paired (ms)", (v) => v.allPairedMs, true],
    ["join → paired p50 (ms)", (v) => v.joinToPairedMs.p50, true],
    ["join → paired p99 (ms)", (v) => v.joinToPairedMs.p99, true],
    ["pairs by a shared interest (%)", share("interest"), false],
    ["pairs by fallback: interests, none shared (%)", share("fallback"), false],
    ["pairs of two without interests (%)", share("language"), false],
    ["pairs plain: neither asked for anything (%)", share("plain"), false],
    ["visitors told of a shared interest", (v) => v.sharing, false],
    ["pairs spanning both instances (%)", spanning, false],
    ["visitors not paired", (v) => v.visitors - v.paired, false],
    ["errors", (v) => v.errors, false],
  ];
  return redis ? rows : rows.filter(([name]) => !REDIS_ONLY.has(name));
}

function show(x: number): string {
  return isNaN(x) ? "–" : String(x);
}

function failure(rounds: Outcome<InterestBurstRow>[]): string {
  const failed = rounds.find((o): o is Failed => "error" in o);
  return failed?.error.slice(0, 160) ?? "no run";
}

/** The markdown of one home's interests burst. */
export function interestsMarkdown(results: InterestResults): string[] {
  const { home, ratio } = results;
  const n = results.visitors.toLocaleString("en");
  if (!completed([...ratio.interests, ...ratio.plain]).length) {
    const all = [...ratio.interests, ...ratio.plain];
    return ["", `Interests burst, ${WHERE[home]}: failed (${failure(all)}).`];
  }
  const setup = home === "redis"
    ? "through two instances of our server sharing one redis-server (all three on core 0, each generator putting its visitor k on instance k % 2; CPU counts all three processes)"
    : "on one instance of our server, in memory";
  const out = [
    "",
    `Matching by interests, ${
      WHERE[home]
    }: ${n} visitors open their sockets at once ${setup}. "interests": each sends the widget's request with a token of its own, 0–5 interests (the count uniform) drawn Zipf (s = 1) over 1,000 names, duplicates dropped, and \`lang\` "en"; "plain": the same with the token only, first come. Same build and flags for both: the burst's per-address limits, pairing cap and handshake limits off, and **\`--match-fallback 0\`**, so that a visitor takes a waiting sharer at once, else anyone (at the default 10 s a visitor without a sharer waits 10 s, and pairs/s would measure the wait). ${ratio.interests.length} runs of each, alternating (plain, interests, interests, plain…), a fresh server each; medians. How the pairs came about is \`strangers_pairs_matched_total\` over the burst.`,
    "",
    "| metric | interests | plain | interests / plain |",
    "|---|---:|---:|---:|",
  ];
  for (const [metric, pick, hasRatio] of metrics(home)) {
    const a = round(medianOf(ratio.interests, pick));
    const b = round(medianOf(ratio.plain, pick));
    const x = hasRatio && b > 0 ? round(a / b, 2) : NaN;
    out.push(`| ${metric} | ${show(a)} | ${show(b)} | ${show(x)} |`);
  }
  const runs = (rounds: Outcome<InterestBurstRow>[]) =>
    `${usable(rounds).length} of ${rounds.length}`;
  out.push(
    `| runs that paired ≥ ${USABLE_SHARE * 100} % (the targets' runs) | ${
      runs(ratio.interests)
    } | ${runs(ratio.plain)} | – |`,
  );
  out.push(...atDefault(results));
  return out;
}

/** The interests burst at the default fallback: for information only. */
function atDefault({ home, atDefault: rounds }: InterestResults): string[] {
  const [row] = completed(rounds);
  if (!row) {
    return rounds.length
      ? ["", `At the default fallback: failed (${failure(rounds)}).`]
      : [];
  }
  const s = row.fallbackSeconds;
  const out = [
    "",
    `The interests burst again at the server's default \`MATCH_FALLBACK\` of ${s} s, for information (no target: its pairs/s mostly measures the ${s} s that visitors without a sharer wait).`,
    "",
    `| metric | interests, fallback ${s} s |`,
    "|---|---:|",
  ];
  for (const [metric, pick] of metrics(home)) {
    out.push(`| ${metric.replaceAll("**", "")} | ${show(pick(row))} |`);
  }
  return out;
}

/**
 * Whether every visitor of every run (both askings, fallback 0) was paired:
 * where runs lost visitors, the ratios above compare what was left.
 */
function complete(r: InterestResults, where: string): TargetRow {
  const all = [...r.ratio.plain, ...r.ratio.interests];
  const rows = completed(all);
  const whole = rows.filter((v) => v.paired === v.visitors).length;
  const kinds = new Map<string, number>();
  for (const tally of rows.flatMap((v) => v.errorKinds)) {
    for (const [kind, n] of Object.entries(tally)) {
      kinds.set(kind, (kinds.get(kind) ?? 0) + n);
    }
  }
  const errors = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(", ");
  return {
    target: `interests burst (${where}): every visitor paired in every run`,
    measured: `${whole} of ${all.length} runs${
      errors ? `; errors: ${errors}` : ""
    }`,
    met: whole === all.length,
  };
}

/** The targets of the interests bursts that ran. */
export function interestTargets(results: Results): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const r of [results.interests, results.interestsRedis]) {
    if (!r) continue;
    const where = `${r.visitors.toLocaleString("en")} visitors, ${
      WHERE[r.home]
    }, --match-fallback 0`;
    const [mine, theirs] = [usable(r.ratio.interests), usable(r.ratio.plain)];
    const of = `median of the runs that paired ≥ ${
      USABLE_SHARE * 100
    } %: ${mine.length} and ${theirs.length} of ${r.ratio.interests.length}`;
    const ratio = (pick: (row: InterestBurstRow) => number) => {
      const a = round(medianOf(mine, pick));
      const b = round(medianOf(theirs, pick));
      return { a, b, x: round(a / b, 2) };
    };
    const rate = ratio((v) => v.pairsPerSecond);
    rows.push({
      target:
        `interests burst (${where}): pairs/s ≥ ${MIN_PAIRS_RATE} × plain (${of})`,
      measured: `${rate.a} vs ${rate.b} pairs/s = ${rate.x}×`,
      met: rate.x >= MIN_PAIRS_RATE,
    });
    const cpu = ratio((v) => v.serverCpuMsPerPair);
    rows.push({
      target:
        `interests burst (${where}): server CPU per pair ≤ ${MAX_CPU_PER_PAIR} × plain (${of})`,
      measured: `${cpu.a} vs ${cpu.b} ms = ${cpu.x}×`,
      met: cpu.x <= MAX_CPU_PER_PAIR,
    });
    rows.push(complete(r, where));
  }
  return rows;
}
