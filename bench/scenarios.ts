/**
 * The benchmark's scenarios that send on no schedule, each run once against
 * one target: a pairing burst, the closed-loop relay, memory per socket and
 * churn (the open-loop ones are in `open_loop.ts`); and the session that
 * starts a server and its generators for a scenario and stops them after.
 * Each scenario returns one row of the report.
 *
 * @module
 */

import {
  type AddReply,
  type CheckReply,
  type ChurnReply,
  type ClosedReply,
  Generator,
} from "./generator.ts";
import { type Percentiles, percentiles, round, sleep } from "./lib.ts";
import {
  OURS_BASE,
  OURS_UNTHROTTLED,
  readCpuSeconds,
  readMemoryKb,
  sampleProc,
  type Server,
  startServer,
  stop,
  type Target,
} from "./process.ts";

/** How the run starts our server: `--ours-entry` and `--ours-flags`. */
export interface Ours {
  /** The entry module. */
  entry: string;
  /** Server flags after each scenario's own. */
  flags: readonly string[];
}

/** What every scenario needs besides its target. */
export interface ScenarioOptions {
  ours: Ours;
}

/** Options for {@linkcode session}. */
export interface SessionOptions extends ScenarioOptions {
  target: Target;
  /** Our server's flags for this scenario (the reference takes none). */
  serverFlags: readonly string[];
  /** How many generators to start. */
  generators: number;
  /** X-Forwarded-For of the generators' visitors. @default {none} */
  forwarded?: string;
}

/** Starts a server and its generators, runs `body`, stops them all. */
export async function session<T>(
  options: SessionOptions,
  body: (server: Server, generators: Generator[]) => Promise<T>,
): Promise<T> {
  const server = await startServer(options.target, {
    entry: options.ours.entry,
    args: [...options.serverFlags, ...options.ours.flags],
  });
  const generators = Array.from(
    { length: options.generators },
    (_, id) => new Generator(server, { id, forwarded: options.forwarded }),
  );
  try {
    return await body(server, generators);
  } finally {
    await Promise.all(generators.map((g) => g.quit()));
    await stop(server.child);
  }
}

/** Adds `pairs` pairs spread over the generators (500 handshakes at a time). */
export async function addPairs(
  generators: Generator[],
  pairs: number,
): Promise<AddReply[]> {
  const share = Math.ceil((pairs * 2) / generators.length / 2) * 2;
  return await Promise.all(
    generators.map((g) =>
      g.call<AddReply>({ cmd: "add", count: share, batch: 500 })
    ),
  );
}

/** kB to MB, to one decimal. */
export function mb(kb: number): number {
  return round(kb / 1024, 1);
}

/**
 * RSS growth per 1,000 sockets in MB, to two decimals: the least-squares
 * slope of RSS (kB) over sockets.
 */
export function mbPer1000Sockets(
  points: { sockets: number; rssKb: number }[],
): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.sockets, 0) / n;
  const my = points.reduce((s, p) => s + p.rssKb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.sockets - mx) * (p.rssKb - my);
    den += (p.sockets - mx) ** 2;
  }
  return round((num / den) * 1000 / 1024, 2);
}

/** The report's row for a burst of visitors joining at once. */
export interface BurstRow {
  visitors: number;
  paired: number;
  allPairedMs: number;
  pairsPerSecond: number;
  serverCpuMsPerPair: number;
  joinToPairedMs: Percentiles;
  errors: number;
  /** One tally per generator. */
  errorKinds: Record<string, number>[];
  heldAfter2s: number;
  rssMb: number;
}

/** Options for {@linkcode burst}. */
export interface BurstOptions extends ScenarioOptions {
  visitors: number;
  /** Our server's flags. @default {OURS_BASE} */
  serverFlags?: readonly string[];
  /** X-Forwarded-For of the visitors (`unique`: one each). @default {none} */
  forwarded?: string;
}

/** 1. N visitors join at once. */
export async function burst(
  target: Target,
  options: BurstOptions,
): Promise<BurstRow> {
  const { visitors } = options;
  const procs = visitors > 8000 ? 2 : 1;
  const setup = {
    target,
    ours: options.ours,
    serverFlags: options.serverFlags ?? OURS_BASE,
    forwarded: options.forwarded,
  };
  return await session({ ...setup, generators: procs }, async (server, gs) => {
    await sleep(500);
    const cpuBefore = readCpuSeconds(server.pid);
    const replies = await Promise.all(gs.map((g) =>
      g.call<AddReply>({
        cmd: "add",
        count: visitors / procs,
        batch: 0,
        timeout: 90,
      })
    ));
    const cpu = readCpuSeconds(server.pid) - cpuBefore;
    const paired = replies.reduce((n, r) => n + r.paired, 0);
    const allPairedMs = Math.max(...replies.map((r) => r.allPairedMs));
    const latency = percentiles(replies.flatMap((r) => r.joinToPairedSamples));
    await sleep(2000);
    const held = await Promise.all(
      gs.map((g) => g.call<CheckReply>({ cmd: "check" })),
    );
    return {
      visitors,
      paired,
      allPairedMs,
      pairsPerSecond: round(paired / 2 / (allPairedMs / 1000), 1),
      serverCpuMsPerPair: round(cpu * 1000 / (paired / 2), 3),
      joinToPairedMs: latency,
      errors: replies.reduce((n, r) => n + r.errors, 0),
      errorKinds: replies.map((r) => r.errorKinds),
      heldAfter2s: held.reduce((n, r) => n + r.paired, 0),
      rssMb: mb(readMemoryKb(server.pid).rssKb),
    };
  });
}

/** The report's row for one round of the closed-loop relay. */
export interface RelayRow {
  pairs: number;
  messages: number;
  messagesPerSecond: number;
  serverCpuPer10k: number;
  serverCpuShare: number;
  generatorCpuShare: number;
  relayMs: Percentiles;
  errors: number;
  rssMb: number;
}

/** Options for {@linkcode relay}. */
export interface RelayOptions extends ScenarioOptions {
  pairs: number;
  /** Length of the measurement window. */
  seconds: number;
}

/** 2. Closed loop: each visitor sends its next line after its own echo. */
export async function relay(
  target: Target,
  options: RelayOptions,
): Promise<RelayRow> {
  const { pairs } = options;
  const setup = { target, ours: options.ours, serverFlags: OURS_UNTHROTTLED };
  return await session({ ...setup, generators: 1 }, async (server, [g]) => {
    const [added] = await addPairs([g], pairs);
    if (added.paired !== pairs * 2) {
      throw new Error(`relay: only ${added.paired} of ${pairs * 2} paired`);
    }
    // A short warm-up so that the JIT has settled for both servers alike.
    await g.call({ cmd: "closed", seconds: 1 });
    const before = sampleProc(server.pid);
    const genBefore = readCpuSeconds(g.pid);
    const result = await g.call<ClosedReply>({
      cmd: "closed",
      seconds: options.seconds,
    });
    const after = sampleProc(server.pid);
    const cpu = after.cpu - before.cpu;
    return {
      pairs,
      messages: result.echoes,
      messagesPerSecond: result.messagesPerSecond,
      serverCpuPer10k: round(cpu / result.echoes * 10_000, 4),
      serverCpuShare: round(cpu / result.seconds, 2),
      generatorCpuShare: round(
        (readCpuSeconds(g.pid) - genBefore) / result.seconds,
        2,
      ),
      relayMs: result.relay,
      errors: result.errors,
      rssMb: mb(after.rssKb),
    };
  });
}

/** The report's row for memory per paired socket. */
export interface MemoryRow {
  idleRssMb: number;
  /** RSS after each step. */
  points: { sockets: number; rssMb: number }[];
  rssPer1000SocketsMb: number;
  hwmMb: number;
  idleCpuShareAtTop: number;
  socketsHeld: number;
  socketsWanted: number;
  errors: number;
}

/** Options for {@linkcode memory}. */
export interface MemoryOptions extends ScenarioOptions {
  /** Pairs held at each step, rising. */
  steps: readonly number[];
}

/** 4. Memory: idle, then per 1,000 paired sockets up to the largest step. */
export async function memory(
  target: Target,
  options: MemoryOptions,
): Promise<MemoryRow> {
  const setup = { target, ours: options.ours, serverFlags: OURS_BASE };
  return await session({ ...setup, generators: 2 }, async (server, gs) => {
    await sleep(1500);
    const idle = readMemoryKb(server.pid);
    const points: { sockets: number; rssKb: number }[] = [
      { sockets: 0, rssKb: idle.rssKb },
    ];
    let pairs = 0;
    let errors = 0;
    for (const step of options.steps) {
      const replies = await addPairs(gs, step - pairs);
      errors += replies.reduce((n, r) => n + r.errors, 0);
      pairs = step;
      await sleep(1500);
      points.push({
        sockets: pairs * 2,
        rssKb: readMemoryKb(server.pid).rssKb,
      });
    }
    // Held and silent: what remains is keep-alive pings and timers.
    const cpuBefore = readCpuSeconds(server.pid);
    await sleep(5000);
    const idleCpuShare = (readCpuSeconds(server.pid) - cpuBefore) / 5;
    const held = await Promise.all(
      gs.map((g) => g.call<CheckReply>({ cmd: "check" })),
    );
    const top = readMemoryKb(server.pid);
    return {
      idleRssMb: mb(idle.rssKb),
      points: points.map((p) => ({ sockets: p.sockets, rssMb: mb(p.rssKb) })),
      rssPer1000SocketsMb: mbPer1000Sockets(points),
      hwmMb: mb(top.hwmKb),
      idleCpuShareAtTop: round(idleCpuShare, 3),
      socketsHeld: held.reduce((n, r) => n + r.paired, 0),
      socketsWanted: pairs * 2,
      errors: errors + held.reduce((n, r) => n + r.errors, 0),
    };
  });
}

/** The report's row for churn. */
export interface ChurnRow {
  seconds: number;
  pairsPerSecond: number;
  pairs: number;
  pairingMs: Percentiles;
  errors: number;
  errorKinds: Record<string, number>;
  serverCpuShare: number;
  serverCpuMsPerPair: number;
  rssEarlyMb: number;
  rssLateMb: number;
  lateVsEarly: number;
}

/** Options for {@linkcode churn}. */
export interface ChurnOptions extends ScenarioOptions {
  /** How long to churn. */
  seconds: number;
  /** When to take the early memory reading, in seconds. */
  early: number;
}

/** 5. Churn: join, say a few lines, leave, again and again. */
export async function churn(
  target: Target,
  options: ChurnOptions,
): Promise<ChurnRow> {
  const { seconds } = options;
  const setup = { target, ours: options.ours, serverFlags: OURS_BASE };
  return await session({ ...setup, generators: 1 }, async (server, [g]) => {
    const started = performance.now();
    const before = readCpuSeconds(server.pid);
    const running = g.call<ChurnReply>({
      cmd: "churn",
      seconds,
      slots: 200,
      lines: 3,
    });
    const at = async (s: number) => {
      await sleep(started + s * 1000 - performance.now());
      return readMemoryKb(server.pid).rssKb;
    };
    const early = await at(options.early);
    const late = await at(seconds - 0.5);
    const result = await running;
    const cpu = readCpuSeconds(server.pid) - before;
    return {
      seconds,
      pairsPerSecond: round(result.responsesPerSecond / 2, 1),
      pairs: Math.round(result.responses / 2),
      pairingMs: result.pairing,
      errors: result.errors,
      errorKinds: result.errorKinds,
      serverCpuShare: round(cpu / seconds, 2),
      serverCpuMsPerPair: round(cpu * 1000 / (result.responses / 2), 3),
      rssEarlyMb: mb(early),
      rssLateMb: mb(late),
      lateVsEarly: round(late / early - 1, 3),
    };
  });
}
