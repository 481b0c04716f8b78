/**
 * Capacity (`--only capacity`): how many visitors chatting at a human rate
 * one of our processes holds on one core, and three on one Redis, with relay
 * p99 under 100 ms and no errors. The load is `load_chatting.ts`'s: a line
 * about every 5 s, a `typing` frame while composing, 1 in 20 leaving and
 * being replaced each minute. It steps the chatters up (each step tops up
 * the same ones) until a step misses, and the figure is the last step that
 * held.
 *
 * @module
 */

import { type ChatReply, Generator } from "./generator.ts";
import { round } from "./lib.ts";
import { cpuFrom, OURS_BASE, readMemoryKb } from "./process.ts";
import { startFleet } from "./fleet.ts";
import type { ScenarioOptions } from "./scenarios.ts";

/** One process in memory, or three on one redis-server. */
export type Home = "memory" | "redis";

/** What a step must keep to hold. */
export const CAPACITY_P99_MS = 100;

/** One step of the load. */
export interface CapacityStep {
  visitors: number;
  linesPerSecond: number;
  relayP50Ms: number;
  relayP99Ms: number;
  errors: number;
  /** Error kind → how often, when there were any. */
  errorKinds?: Record<string, number>;
  /** Every serving process (with Redis: the servers and redis-server). */
  cpuShare: number;
  /** The generator's own, on its core: near 1, the load is the limit. */
  generatorCpuShare: number;
  /**
   * The generator's longest event-loop stall (ms): it counts in the relay
   * latency it measures, so a p99 near it is the generator's, not ours.
   */
  generatorStallMs: number;
  /** Resident memory of the servers, summed (MB). */
  rssMb: number;
  held: boolean;
}

/** The steps of one home and the capacity they show. */
export interface CapacityRow {
  home: Home;
  instances: number;
  seconds: number;
  steps: CapacityStep[];
  /** Chatters of the last step that held; 0 if none did. */
  capacity: number;
  /**
   * Open files one process may have here (`ulimit -Hn`): the generator
   * holds every chatter's socket, so steps past 90 % of it are not run.
   */
  fileLimit: number;
  /** Steps of the plan left out for that limit. */
  skipped: number[];
}

/** The hard limit on open files of a process here. */
function fileLimit(): number {
  const limits = Deno.readTextFileSync("/proc/self/limits");
  const hard = limits.match(/^Max open files\s+\S+\s+(\S+)/m)?.[1];
  return hard === undefined || hard === "unlimited" ? Infinity : Number(hard);
}

/** Options for {@linkcode capacity}. */
export interface CapacityOptions extends ScenarioOptions {
  /** Chatters of each step, in order. */
  steps: readonly number[];
  /** Seconds each step chats for, after its chatters are in. */
  seconds: number;
}

/** Steps the chatters up on `home` until a step misses. */
export async function capacity(
  home: Home,
  options: CapacityOptions,
): Promise<CapacityRow> {
  const instances = home === "redis" ? 3 : 1;
  const fleet = await startFleet({
    instances,
    args: OURS_BASE,
    ours: options.ours,
  });
  const { servers, pids } = fleet;
  let g: Generator | undefined;
  try {
    const generator = g = new Generator(servers, { id: 0, deadline: 1800 });
    const steps: CapacityStep[] = [];
    const files = fileLimit();
    const runnable = options.steps.filter((n) => n <= files * 0.9);
    for (const visitors of runnable) {
      // The CPU of the whole step: joining is part of the load too.
      const cpuSince = cpuFrom([...pids, generator.pid]);
      const t0 = performance.now();
      const chat = await generator.call<ChatReply>({
        cmd: "chat",
        count: visitors,
        seconds: options.seconds,
      });
      const elapsed = (performance.now() - t0) / 1000;
      const cpus = cpuSince();
      const generatorCpu = cpus.pop()!;
      const cpu = cpus.reduce((a, b) => a + b, 0);
      const step: CapacityStep = {
        visitors,
        linesPerSecond: chat.linesPerSecond,
        relayP50Ms: chat.relay.p50,
        relayP99Ms: chat.relay.p99,
        errors: chat.errors,
        ...(chat.errors ? { errorKinds: chat.errorKinds } : {}),
        cpuShare: round(cpu / elapsed, 2),
        generatorCpuShare: round(generatorCpu / elapsed, 2),
        generatorStallMs: chat.stalls.maxMs,
        rssMb: round(
          servers.reduce((n, s) => n + readMemoryKb(s.pid).rssKb, 0) / 1024,
          1,
        ),
        held: chat.relay.p99 < CAPACITY_P99_MS && chat.errors === 0 &&
          chat.visitors >= visitors * 0.99,
      };
      steps.push(step);
      console.error(`    ${visitors} chatters: ${JSON.stringify(step)}`);
      if (!step.held) break;
    }
    // The steps stop at the first that missed: those that held come first.
    const held = steps.filter((s) => s.held);
    return {
      home,
      instances,
      seconds: options.seconds,
      steps,
      capacity: held.at(-1)?.visitors ?? 0,
      fileLimit: files,
      skipped: options.steps.filter((n) => !runnable.includes(n)),
    };
  } finally {
    await g?.quit();
    await fleet.stop();
  }
}

/** Markdown lines for the capacity of each home. */
export function capacityMarkdown(rows: CapacityRow[]): string[] {
  const out = [
    "",
    `Capacity: visitors chatting at a human rate (a line every 4–6 s, a \`typing\` frame 1–3 s before it, 1 in 20 leaving and replaced each minute), stepped up until relay p99 reaches ${CAPACITY_P99_MS} ms or an error appears; each step chats ${
      rows[0]?.seconds ?? 0
    } s. Our servers (and redis-server) on core 0, the generator on core 1.`,
    "",
    "| home | chatters | lines/s | relay p50 (ms) | relay p99 (ms) | errors | CPU (cores) | generator CPU | generator's longest stall (ms) | RSS (MB) | held |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const row of rows) {
    const home = row.home === "memory"
      ? "1 process, in memory"
      : `${row.instances} processes, one Redis`;
    for (const s of row.steps) {
      out.push(
        `| ${home} | ${
          s.visitors.toLocaleString("en")
        } | ${s.linesPerSecond} | ${s.relayP50Ms} | ${s.relayP99Ms} | ${s.errors} | ${s.cpuShare} | ${s.generatorCpuShare} | ${
          s.generatorStallMs ?? "–"
        } | ${s.rssMb} | ${s.held ? "yes" : "**no**"} |`,
      );
    }
  }
  out.push("");
  for (const row of rows) {
    out.push(
      `**${
        row.home === "memory"
          ? "One process on one core holds"
          : `${row.instances} processes on one Redis, all on that core, hold`
      } ${row.capacity.toLocaleString("en")} chatters**${
        row.steps.every((s) => s.held)
          ? row.skipped?.length
            ? ` (every step held; steps of ${
              row.skipped[0].toLocaleString("en")
            } and more were not run: a process may open at most ${
              row.fileLimit.toLocaleString("en")
            } files here, and the generator holds every chatter's socket)`
            : " (every step held: the steps ran out first)"
          : ""
      }.`,
    );
  }
  return out;
}
