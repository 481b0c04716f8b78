/**
 * The benchmark's report: the shape of `bench/results/latest.json`, its
 * markdown tables (`latest.md`, the README) and the writing of both.
 *
 * @module
 */

import { median, round } from "./lib.ts";
import type { Backend, OpenFloodRow, RedisRow } from "./open_loop.ts";
import type { Target } from "./process.ts";
import { attackMarkdown, type AttackRow } from "./attack.ts";
import { edgeMarkdown } from "./edge_report.ts";
import { presenceMarkdown, type PresenceRow } from "./presence.ts";
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
export type Both<T> = Rounds<Target, T>;

/** Every scenario's rounds, keyed as in `latest.json`. */
export interface Results {
  /** By the number of visitors. */
  burst?: Record<string, Both<BurstRow>>;
  /** By the number of pairs. */
  relay?: Record<string, Both<RelayRow>>;
  open?: Both<OpenFloodRow>;
  memory?: Both<MemoryRow>;
  churn?: Both<ChurnRow>;
  redis?: Rounds<Backend, RedisRow>;
  /** Our server on the node:http edge and on Deno's upgrade. */
  edge?: Rounds<"node" | "deno", EdgeRow>;
  /** One address's oversized messages against our server alone. */
  attack?: AttackRow;
  /** Open pages (`presence`): ours pushing the count, the reference holding. */
  presence?: Both<PresenceRow>;
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
 * The report as markdown: the table against the reference, the Redis table,
 * and the targets met or missed.
 */
export function toMarkdown(report: Report, options: MarkdownOptions): string {
  const { machine: m, results: r } = report;
  const out: string[] = [];
  out.push(
    `Measured ${
      report.date.slice(0, 10)
    } on ${m.cores} cores (${m.cpu}), ${m.ramGiB} GiB RAM, Linux ${m.kernel}, Deno ${m.deno}; server pinned to core 0, load generators to core 1. Reproduce with \`${report.command}\` (${report.seconds} s). Medians where a scenario ran more than once; "ref" is \`bench/reference_relay.ts\`${
      r.redis ? " (the Redis table compares our server with itself)" : ""
    }.`,
    "",
    "| scenario | metric | ours | ref | ours / ref |",
    "|---|---|---:|---:|---:|",
  );
  const mainRows = out.length;
  const show = (x: unknown) => typeof x === "number" && !isNaN(x) ? x : "–";
  const line = (s: string, metric: string, a: number, b: number) =>
    out.push(
      `| ${s} | ${metric} | ${show(a)} | ${show(b)} | ${
        show(round(a / b, 2))
      } |`,
    );
  const section = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      out.push(`| (failed: ${String(error).slice(0, 80)}) | | | | |`);
    }
  };
  for (const [n, x] of Object.entries(r.burst ?? {})) {
    section(() => {
      const s = `pairing burst, ${Number(n).toLocaleString("en")} visitors`;
      const [a, b] = [first(x.ours), first(x.reference)];
      line(s, "time until all paired (ms)", a.allPairedMs, b.allPairedMs);
      line(s, "pairs/s", a.pairsPerSecond, b.pairsPerSecond);
      line(
        s,
        "server CPU ms per pair",
        a.serverCpuMsPerPair,
        b.serverCpuMsPerPair,
      );
      line(
        s,
        "join → paired p50 (ms)",
        a.joinToPairedMs.p50,
        b.joinToPairedMs.p50,
      );
      line(
        s,
        "join → paired p99 (ms)",
        a.joinToPairedMs.p99,
        b.joinToPairedMs.p99,
      );
      line(s, "errors", a.errors, b.errors);
    });
  }
  for (const [n, x] of Object.entries(r.relay ?? {})) {
    section(() => {
      const s = `closed-loop relay, ${Number(n).toLocaleString("en")} pairs`;
      const both = (pick: (v: RelayRow) => number) =>
        [medianOf(x.ours, pick), medianOf(x.reference, pick)] as const;
      line(s, "messages/s", ...both((v) => v.messagesPerSecond));
      line(
        s,
        "**server CPU s per 10k messages** (median)",
        ...both((v) => v.serverCpuPer10k),
      );
      line(
        s,
        "server CPU s per 10k messages (lowest round)",
        lowestOf(x.ours, (v) => v.serverCpuPer10k),
        lowestOf(x.reference, (v) => v.serverCpuPer10k),
      );
      line(s, "server CPU share (cores)", ...both((v) => v.serverCpuShare));
      line(s, "relay p50 (ms)", ...both((v) => v.relayMs.p50));
      line(s, "relay p99 (ms)", ...both((v) => v.relayMs.p99));
    });
  }
  const open = r.open;
  if (open) {
    section(() => {
      const [a, b] = [first(open.ours), first(open.reference)];
      const s = "open-loop relay, 5,000 msg/s, 1,000 pairs";
      line(s, "relay p50 (ms)", a.calm.relayMs.p50, b.calm.relayMs.p50);
      line(s, "relay p99 (ms)", a.calm.relayMs.p99, b.calm.relayMs.p99);
      line(s, "relay p999 (ms)", a.calm.relayMs.p999, b.calm.relayMs.p999);
      line(
        s,
        "server CPU share (cores)",
        a.calm.serverCpuShare,
        b.calm.serverCpuShare,
      );
      line(
        s,
        "server CPU s per 10k messages",
        a.calm.serverCpuPer10k,
        b.calm.serverCpuPer10k,
      );
      const f = "flooder beside 1,000 pairs";
      line(
        f,
        "normal p99 without flooder, best of 3 (ms)",
        a.baselineP99,
        b.baselineP99,
      );
      line(
        f,
        "normal p99 with flooder, best of 2 (ms)",
        a.flooded.relayMs.p99,
        b.flooded.relayMs.p99,
      );
      line(
        f,
        "p99 increase (%)",
        round(a.floodP99Increase * 100, 1),
        round(b.floodP99Increase * 100, 1),
      );
      line(
        f,
        "server CPU share (cores)",
        a.flooded.serverCpuShare,
        b.flooded.serverCpuShare,
      );
      line(
        f,
        "flood lines sent/s",
        a.flooded.flooder?.sentPerSecond ?? NaN,
        b.flooded.flooder?.sentPerSecond ?? NaN,
      );
    });
  }
  const memory = r.memory;
  if (memory) {
    section(() => {
      const [a, b] = [first(memory.ours), first(memory.reference)];
      const s = "memory";
      line(s, "idle RSS (MB)", a.idleRssMb, b.idleRssMb);
      line(
        s,
        "RSS per 1,000 paired sockets (MB)",
        a.rssPer1000SocketsMb,
        b.rssPer1000SocketsMb,
      );
      const top = a.points[a.points.length - 1];
      line(
        s,
        `RSS at ${top.sockets.toLocaleString("en")} sockets (MB)`,
        top.rssMb,
        b.points[b.points.length - 1].rssMb,
      );
      line(s, "sockets held", a.socketsHeld, b.socketsHeld);
      line(
        s,
        "server CPU share while they sit silent (cores)",
        a.idleCpuShareAtTop,
        b.idleCpuShareAtTop,
      );
    });
  }
  const churn = r.churn;
  if (churn) {
    section(() => {
      const [a, b] = [first(churn.ours), first(churn.reference)];
      const s = `churn, ${a.seconds} s`;
      line(s, "pairs/s sustained", a.pairsPerSecond, b.pairsPerSecond);
      line(
        s,
        "server CPU ms per pair (join, 3 lines each, leave)",
        a.serverCpuMsPerPair,
        b.serverCpuMsPerPair,
      );
      line(s, "pairing p99 (ms)", a.pairingMs.p99, b.pairingMs.p99);
      line(s, "errors", a.errors, b.errors);
      line(
        s,
        `RSS at ${options.churnEarly} s (MB)`,
        a.rssEarlyMb,
        b.rssEarlyMb,
      );
      line(s, `RSS at ${a.seconds} s (MB)`, a.rssLateMb, b.rssLateMb);
    });
  }
  // `--only redis`: no scenario against the reference, so no table for it.
  if (out.length === mainRows) out.splice(mainRows - 3);
  const redis = r.redis;
  if (redis) {
    section(() => {
      const rounds = Math.min(redis.memory.length, redis.redis.length);
      const one = first(redis.redis);
      out.push(
        "",
        `Relay through Redis: ${
          one.pairs.toLocaleString("en")
        } pairs, open loop at ${
          one.offeredPerSecond.toLocaleString("en")
        } lines/s for ${one.seconds} s. "Redis" is two instances of our server sharing one redis-server, all three on core 0, visitors alternating between the instances; "memory" is one instance of our server alone on core 0. Same generator on core 1, ${rounds} alternating round${
          rounds === 1 ? "" : "s"
        }, medians. CPU counts every serving process (with Redis: both servers and redis-server).`,
        "",
        "| scenario | metric | ours, Redis (2 instances) | ours, in memory | Redis / memory |",
        "|---|---|---:|---:|---:|",
      );
      const s = `relay through Redis, ${
        one.pairs.toLocaleString("en")
      } pairs, ${one.offeredPerSecond.toLocaleString("en")} msg/s`;
      const both = (pick: (v: RedisRow) => number) =>
        [
          round(medianOf(redis.redis, pick)),
          round(medianOf(redis.memory, pick)),
        ] as const;
      line(s, "relay p50 (ms)", ...both((v) => v.relayMs.p50));
      line(s, "relay p99 (ms)", ...both((v) => v.relayMs.p99));
      line(s, "relay p999 (ms)", ...both((v) => v.relayMs.p999));
      line(
        s,
        "**CPU s per 10k messages, all serving processes**",
        ...both((v) => v.cpuPer10k),
      );
      line(
        s,
        "of which redis-server",
        round(medianOf(redis.redis, (v) => v.redisCpuPer10k)),
        NaN,
      );
      line(
        s,
        "CPU share, all serving processes (cores)",
        ...both((v) => v.cpuShare),
      );
      line(
        s,
        "pairs spanning two instances",
        round(medianOf(redis.redis, (v) => v.crossInstancePairs), 1),
        NaN,
      );
      line(s, "lines lost", ...both((v) => v.lost));
    });
  }
  if (r.edge) out.push(...edgeMarkdown(r.edge));
  if (r.attack) out.push(...attackMarkdown(r.attack));
  if (r.presence) out.push(...presenceMarkdown(r.presence));
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
