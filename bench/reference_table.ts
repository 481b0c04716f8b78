/**
 * The report's main table: our server against the reference relay on Deno
 * in every scenario, and against the same relay on Node with npm `ws`
 * (`node_reference_relay.mjs`) in the relay, open-loop and memory ones, each
 * with its ratio.
 *
 * @module
 */

import { round } from "./lib.ts";
import {
  first,
  lowestOf,
  type MarkdownOptions,
  medianOf,
  type Outcome,
  type Results,
  type WithNode,
} from "./report.ts";
import type { RelayRow } from "./scenarios.ts";

/** One metric for ours, the Deno reference and the Node one (`NaN`: none). */
type Figures = readonly [ours: number, ref: number, node: number];

/** Whether any scenario of the run has the Node reference's rounds. */
export function hasNode(results: Results): boolean {
  return [...Object.values(results.relay ?? {}), results.open, results.memory]
    .some((rounds) => rounds?.node !== undefined);
}

/** Where a failed round of the Node reference is told, under the table. */
interface Notes {
  /** The scenario of the rows being written. */
  scenario: string;
  lines: string[];
}

/**
 * The Node reference's first row, or `undefined` when it did not run or
 * failed (then its error goes to the notes): the Deno columns stand alone.
 */
function nodeRow<T extends object>(
  rounds: Outcome<T>[] | undefined,
  notes: Notes,
): T | undefined {
  try {
    return rounds && first(rounds);
  } catch (error) {
    note(notes, error);
    return undefined;
  }
}

function note(notes: Notes, error: unknown): void {
  const text = String(error).replace(/^round failed: /, "").slice(0, 160);
  notes.lines.push("", `Node ws failed in ${notes.scenario}: ${text}`);
}

/** The figures of one metric from each server's first round. */
function firsts<T extends object>(
  rounds: WithNode<T>,
  notes: Notes,
): (pick: (row: T) => number) => Figures {
  const [a, b] = [first(rounds.ours), first(rounds.reference)];
  const c = nodeRow(rounds.node, notes);
  return (pick) => [pick(a), pick(b), c ? pick(c) : NaN];
}

/**
 * Markdown lines of the table against the references, or none when no
 * scenario ran against them (`--only redis`).
 */
export function referenceMarkdown(
  results: Results,
  options: MarkdownOptions,
): string[] {
  const r = results;
  const withNode = hasNode(r);
  const out: string[] = [];
  const notes: Notes = { scenario: "", lines: [] };
  const show = (x: unknown) => typeof x === "number" && !isNaN(x) ? x : "–";
  const line = (s: string, metric: string, [a, b, c]: Figures) => {
    const cells = [a, b, round(a / b, 2)];
    if (withNode) cells.push(c, round(a / c, 2));
    out.push(`| ${s} | ${metric} | ${cells.map(show).join(" | ")} |`);
  };
  const section = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      const empty = withNode ? " | | | |" : " | |";
      out.push(`| (failed: ${String(error).slice(0, 80)}) | | |${empty}`);
    }
  };
  for (const [n, x] of Object.entries(r.burst ?? {})) {
    section(() => {
      const s = `pairing burst, ${Number(n).toLocaleString("en")} visitors`;
      notes.scenario = s;
      const of = firsts(x, notes);
      line(s, "time until all paired (ms)", of((v) => v.allPairedMs));
      line(s, "pairs/s", of((v) => v.pairsPerSecond));
      line(s, "server CPU ms per pair", of((v) => v.serverCpuMsPerPair));
      line(s, "join → paired p50 (ms)", of((v) => v.joinToPairedMs.p50));
      line(s, "join → paired p99 (ms)", of((v) => v.joinToPairedMs.p99));
      line(s, "errors", of((v) => v.errors));
    });
  }
  for (const [n, x] of Object.entries(r.relay ?? {})) {
    section(() => {
      const s = `closed-loop relay, ${Number(n).toLocaleString("en")} pairs`;
      notes.scenario = s;
      const all = (of: typeof medianOf) => (pick: (v: RelayRow) => number) =>
        [
          of(x.ours, pick),
          of(x.reference, pick),
          of(x.node ?? [], pick),
        ] as const;
      const medians = all(medianOf);
      line(s, "messages/s", medians((v) => v.messagesPerSecond));
      line(
        s,
        "**server CPU s per 10k messages** (median)",
        medians((v) => v.serverCpuPer10k),
      );
      line(
        s,
        "server CPU s per 10k messages (lowest round)",
        all(lowestOf)((v) => v.serverCpuPer10k),
      );
      line(s, "server CPU share (cores)", medians((v) => v.serverCpuShare));
      line(s, "relay p50 (ms)", medians((v) => v.relayMs.p50));
      line(s, "relay p99 (ms)", medians((v) => v.relayMs.p99));
      const failed = x.node?.find((o) => "error" in o);
      if (failed && "error" in failed) note(notes, failed.error);
    });
  }
  const open = r.open;
  if (open) {
    section(() => {
      const s = "open-loop relay, 5,000 msg/s, 1,000 pairs";
      notes.scenario = s;
      const of = firsts(open, notes);
      line(s, "relay p50 (ms)", of((v) => v.calm.relayMs.p50));
      line(s, "relay p99 (ms)", of((v) => v.calm.relayMs.p99));
      line(s, "relay p999 (ms)", of((v) => v.calm.relayMs.p999));
      line(s, "server CPU share (cores)", of((v) => v.calm.serverCpuShare));
      line(
        s,
        "server CPU s per 10k messages",
        of((v) => v.calm.serverCpuPer10k),
      );
      const f = "flooder beside 1,000 pairs";
      line(
        f,
        "normal p99 without flooder, best of 3 (ms)",
        of((v) => v.baselineP99),
      );
      line(
        f,
        "normal p99 with flooder, best of 2 (ms)",
        of((v) => v.flooded.relayMs.p99),
      );
      line(
        f,
        "p99 increase (%)",
        of((v) => round(v.floodP99Increase * 100, 1)),
      );
      line(f, "server CPU share (cores)", of((v) => v.flooded.serverCpuShare));
      line(
        f,
        "flood lines sent/s",
        of((v) => v.flooded.flooder?.sentPerSecond ?? NaN),
      );
    });
  }
  const memory = r.memory;
  if (memory) {
    section(() => {
      const s = "memory";
      notes.scenario = s;
      const of = firsts(memory, notes);
      line(s, "idle RSS (MB)", of((v) => v.idleRssMb));
      line(
        s,
        "RSS per 1,000 paired sockets (MB)",
        of((v) => v.rssPer1000SocketsMb),
      );
      const top = first(memory.ours).points.at(-1)!.sockets;
      line(
        s,
        `RSS at ${top.toLocaleString("en")} sockets (MB)`,
        of((v) => v.points.at(-1)!.rssMb),
      );
      line(s, "sockets held", of((v) => v.socketsHeld));
      line(
        s,
        "server CPU share while they sit silent (cores)",
        of((v) => v.idleCpuShareAtTop),
      );
      const [ours, ref, node] = of((v) => v.rssPer1000SocketsMb);
      if (node < ours && node < ref) {
        notes.lines.push(
          "",
          `Node ws holds 1,000 paired sockets in ${node} MB, against our ${ours} and the Deno reference's ${ref}: the same relay takes ${
            round(ref / node, 1)
          }× as much on Deno, so the gap is mostly the runtime's. On Node a socket is nearly all V8 heap; on Deno a large share of it lies on the Rust side, outside the heap (bench/README.md, "Memory per socket on Node").`,
        );
      }
    });
  }
  const churn = r.churn;
  if (churn) {
    section(() => {
      const s = `churn, ${first(churn.ours).seconds} s`;
      notes.scenario = s;
      const of = firsts(churn, notes);
      line(s, "pairs/s sustained", of((v) => v.pairsPerSecond));
      line(
        s,
        "server CPU ms per pair (join, 3 lines each, leave)",
        of((v) => v.serverCpuMsPerPair),
      );
      line(s, "pairing p99 (ms)", of((v) => v.pairingMs.p99));
      line(s, "errors", of((v) => v.errors));
      line(
        s,
        `RSS at ${options.churnEarly} s (MB)`,
        of((v) => v.rssEarlyMb),
      );
      line(
        s,
        `RSS at ${first(churn.ours).seconds} s (MB)`,
        of((v) => v.rssLateMb),
      );
    });
  }
  if (out.length === 0) return [];
  const head = withNode
    ? [
      "| scenario | metric | ours | ref | ours / ref | node ws | ours / node ws |",
      "|---|---|---:|---:|---:|---:|---:|",
    ]
    : [
      "| scenario | metric | ours | ref | ours / ref |",
      "|---|---|---:|---:|---:|",
    ];
  return ["", ...head, ...out, ...notes.lines];
}
