/**
 * The benchmark's report: the shape of `bench/results/latest.json`, its
 * markdown tables (`latest.md`, the README) and the writing of both.
 *
 * @module
 */

import { median } from "./lib.ts";
import type { Backend, OpenFloodRow, RedisRow } from "./open_loop.ts";
import { attackMarkdown, type AttackRow } from "./attack.ts";
import { edgeMarkdown } from "./edge_report.ts";
import { redisMarkdown } from "./redis_report.ts";
import { capacityMarkdown, type CapacityRow } from "./capacity.ts";
import {
  churnClusterMarkdown,
  type ChurnClusterRow,
  type LocalWindow,
} from "./churn_cluster.ts";
import type { InterestResults } from "./interests_burst.ts";
import { interestsMarkdown } from "./interests_report.ts";
import type {
  Evidence,
  EvidenceRow,
  PowBurstRow,
  PowMode,
} from "./moderation.ts";
import { evidenceMarkdown, powBurstMarkdown } from "./moderation_report.ts";
import { type Resume, resumeMarkdown, type ResumeRow } from "./resume.ts";
import { presenceMarkdown, type PresenceRow } from "./presence.ts";
import { hasNode, referenceMarkdown } from "./reference_table.ts";
import type { BurstRow, ChurnRow, MemoryRow, RelayRow } from "./scenarios.ts";

/** A round that threw: its error, recorded in place of its row. */
export interface Failed {
  error: string;
}

/** One round's row, or the error it failed with. */
export type Outcome<T> = T | Failed;

/** The rounds of each contender (`ours` and `reference`, or two backends). */
export type Rounds<K extends string, T> = Record<K, Outcome<T>[]>;

/** The rounds of our server and of the reference relay. */
export type Both<T> = Rounds<"ours" | "reference", T>;

/** {@linkcode Both}, and the Node reference's rounds where it ran. */
export type WithNode<T> = Both<T> & { node?: Outcome<T>[] };

/** Every scenario's rounds, keyed as in `latest.json`. */
export interface Results {
  /** By the number of visitors. */
  burst?: Record<string, Both<BurstRow>>;
  /** By the number of pairs. */
  relay?: Record<string, WithNode<RelayRow>>;
  open?: WithNode<OpenFloodRow>;
  memory?: WithNode<MemoryRow>;
  churn?: Both<ChurnRow>;
  redis?: Rounds<Backend, RedisRow>;
  /** Our server on the node:http edge and on Deno's upgrade. */
  edge?: Rounds<"node" | "deno", EdgeRow>;
  /** One address's oversized messages against our server alone. */
  attack?: AttackRow;
  /** Open pages (`presence`): ours pushing the count, the reference holding. */
  presence?: Both<PresenceRow>;
  /** Bursts asking by interests against plain ones, in memory. */
  interests?: InterestResults;
  /** The same through two instances on one Redis. */
  interestsRedis?: InterestResults;
  /** The relay with evidence digests on and off, alternating. */
  evidence?: Rounds<Evidence, EvidenceRow>;
  /** The burst with the proof of work `suspicious` and `off`, alternating. */
  powBurst?: Rounds<PowMode, PowBurstRow>;
  /** The relay with resumable visitors and today's, alternating. */
  resume?: Rounds<Resume, ResumeRow>;
  /** Chatters at a human rate, stepped up: one process, three on Redis. */
  capacity?: CapacityRow[];
  /** Churn over three instances, local window on and off, alternating. */
  churnCluster?: Rounds<LocalWindow, ChurnClusterRow>;
}

/** One run of the edge comparison (`--only edge`). */
export interface EdgeRow {
  pairs: number;
  serverCpuPer10k: number;
  messagesPerSecond: number;
  relayP99Ms: number;
  rssPer1000SocketsMb: number;
  idleRssMb: number;
}

/** The machine a run measured on. */
export interface Machine {
  cores: number;
  ramGiB: number;
  cpu: string;
  kernel: string;
  deno: string;
  /** Node's version, when the Node reference ran. */
  node?: string;
}

/** One target of the README and whether this run met it. */
export interface TargetRow {
  target: string;
  measured: string;
  met: boolean | null;
}

/** A whole run: `bench/results/latest.json`. */
export interface Report {
  /** When it ran (ISO 8601). */
  date: string;
  quick: boolean;
  /** The command that reproduces it. */
  command: string;
  machine: Machine;
  /** How long it took. */
  seconds: number;
  results: Results;
  targets: TargetRow[];
  /** Scenarios measured again later (`--merge`), replacing this run's. */
  later?: {
    scenarios: string[];
    date: string;
    command: string;
    seconds: number;
  }[];
}

/** The rows of the rounds that did not fail. */
export function completed<T extends object>(rounds: Outcome<T>[]): T[] {
  return rounds.filter((round): round is T => !("error" in round));
}

/** Thrown where a failed round's row is needed; carries the round's error. */
class RoundFailed extends Error {
  override name = "round failed";
}

/** The first round's row; throws {@linkcode RoundFailed} if it failed. */
export function first<T extends object>(rounds: Outcome<T>[]): T {
  const [round] = rounds;
  if (round === undefined) throw new RoundFailed("no round");
  if ("error" in round) throw new RoundFailed(round.error);
  return round;
}

/** The median of `pick` over the rounds that did not fail. */
export function medianOf<T extends object>(
  rounds: Outcome<T>[],
  pick: (row: T) => number,
): number {
  return median(completed(rounds).map(pick));
}

/** The lowest of the rounds: the cost with the least interference. */
export function lowestOf<T extends object>(
  rounds: Outcome<T>[],
  pick: (row: T) => number,
): number {
  const values = completed(rounds).map(pick);
  return values.length ? Math.min(...values) : NaN;
}

/** Options for {@linkcode toMarkdown} and {@linkcode writeReport}. */
export interface MarkdownOptions {
  /** When churn took its early memory reading, in seconds. */
  churnEarly: number;
}

/**
 * Writes `latest.json` and `latest.md` into `outDir` (made if missing) and
 * returns the markdown.
 */
export async function writeReport(
  report: Report,
  options: MarkdownOptions & { outDir: string },
): Promise<string> {
  await Deno.mkdir(options.outDir, { recursive: true });
  await Deno.writeTextFile(
    `${options.outDir}/latest.json`,
    JSON.stringify(report, null, 2) + "\n",
  );
  const markdown = toMarkdown(report, options);
  await Deno.writeTextFile(`${options.outDir}/latest.md`, markdown);
  return markdown;
}

/**
 * The report as markdown: the table against the references, the Redis,
 * edge, attack, presence, interests, evidence and proof-of-work tables, and
 * the targets met or missed.
 */
export function toMarkdown(report: Report, options: MarkdownOptions): string {
  const { machine: m, results: r } = report;
  const node = hasNode(r)
    ? `; "node ws" is \`bench/node_reference_relay.mjs\`, the same relay on Node ${
      m.node ?? ""
    } with npm \`ws\` (relay, open-loop and memory scenarios)`
    : "";
  const out: string[] = [
    `Measured ${
      report.date.slice(0, 10)
    } on ${m.cores} cores (${m.cpu}), ${m.ramGiB} GiB RAM, Linux ${m.kernel}, Deno ${m.deno}; server pinned to core 0, load generators to core 1. Reproduce with \`${report.command}\` (${report.seconds} s). Medians where a scenario ran more than once; "ref" is \`bench/reference_relay.ts\`${node}${
      r.redis
        ? " (the Redis table compares our server through Redis with itself in memory and with the reference relay through Redis)"
        : ""
    }.`,
    ...(report.later ?? []).map((l) =>
      `The ${l.scenarios.join(", ")} rows come from a later run, on ${
        l.date.slice(0, 10)
      } with \`${l.command}\` (${l.seconds} s); every ratio is still from one run.`
    ),
    ...referenceMarkdown(r, options),
  ];
  if (r.redis) {
    try {
      out.push(...redisMarkdown(r.redis));
    } catch (error) {
      out.push(
        "",
        `Relay through Redis: failed (${String(error).slice(0, 80)}).`,
      );
    }
  }
  if (r.edge) out.push(...edgeMarkdown(r.edge));
  if (r.attack) out.push(...attackMarkdown(r.attack));
  if (r.presence) out.push(...presenceMarkdown(r.presence));
  if (r.interests) out.push(...interestsMarkdown(r.interests));
  if (r.interestsRedis) out.push(...interestsMarkdown(r.interestsRedis));
  if (r.evidence) out.push(...evidenceMarkdown(r.evidence));
  if (r.powBurst) out.push(...powBurstMarkdown(r.powBurst));
  if (r.resume) out.push(...resumeMarkdown(r.resume));
  if (r.churnCluster) out.push(...churnClusterMarkdown(r.churnCluster));
  if (r.capacity) out.push(...capacityMarkdown(r.capacity));
  if (report.targets.length) {
    out.push("", "| target | measured | |", "|---|---|---|");
  }
  for (const t of report.targets) {
    out.push(
      `| ${t.target} | ${t.measured} | ${t.met ? "met" : "**missed**"} |`,
    );
  }
  return out.join("\n") + "\n";
}
