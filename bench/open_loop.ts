/**
 * The open-loop scenarios of the benchmark, where lines go out on schedule
 * whatever the replies: the relay at 5,000 lines/s calm and beside a
 * flooder, and the relay through Redis across two of our servers. Each
 * returns one row of the report.
 *
 * @module
 */

import { publishCalls } from "../tests/support/redis.ts";
import {
  type AddReply,
  type CheckReply,
  type ClosedReply,
  type FloodReply,
  Generator,
  type OpenReply,
  type WindowReply,
} from "./generator.ts";
import { type Percentiles, round, sleep } from "./lib.ts";
import {
  cpuFrom,
  metricOf,
  OURS_REAL,
  OURS_UNTHROTTLED,
  sampleProc,
  type Target,
} from "./process.ts";
import { startFleet } from "./fleet.ts";
import { addPairs, type ScenarioOptions, session } from "./scenarios.ts";

/** One window of the open-loop relay, calm or beside the flooder. */
export interface OpenWindowRow {
  relayMs: Percentiles;
  sent: number;
  lost: number;
  onlineFramesReceived: number;
  serverCpuShare: number;
  serverCpuPer10k: number;
  /** The flooder's own figures, in a flooded window. */
  flooder?: FloodReply;
}

/** The report's row for the open-loop relay and the flooder beside it. */
export interface OpenFloodRow {
  offeredPerSecond: number;
  /** The calm window with the median p99: scenario 3's figures. */
  calm: OpenWindowRow;
  /** The flooded window with the lowest p99. */
  flooded: OpenWindowRow;
  calmP99s: number[];
  floodedP99s: number[];
  baselineP99: number;
  floodP99Increase: number;
  normalPairedAtEnd: number;
  normalErrors: number;
}

/** Options for {@linkcode openAndFlood}. */
export interface OpenLoopOptions extends ScenarioOptions {
  /** Length of each measurement window. */
  seconds: number;
}

/** 3 and 6. Open loop at 5,000 lines/s over 1,000 pairs, calm then flooded. */
export async function openAndFlood(
  target: Target,
  options: OpenLoopOptions,
): Promise<OpenFloodRow> {
  const { seconds } = options;
  const rate = 5000;
  const setup = { target, ours: options.ours, serverFlags: OURS_REAL };
  return await session({
    ...setup,
    generators: 1,
    forwarded: "unique",
  }, async (server, [g]) => {
    await addPairs([g], 1000);
    // Past the online-count broadcast that follows the last join by 1 s.
    await g.call({ cmd: "open", seconds: 2, rate });
    let floodWindows = 0;
    const window = async (flooded: boolean): Promise<OpenWindowRow> => {
      const before = sampleProc(server.pid);
      let flooder: Generator | undefined;
      let flood: Promise<FloodReply> | undefined;
      if (flooded) {
        // Nice 19 on the generator's core: it must not delay the normal load.
        flooder = new Generator(server, {
          id: 7,
          nice: true,
          // A fresh abuser address each window: the per-address handshake
          // budget spent in one window must not spare the next.
          forwarded: `10.255.255.${250 + floodWindows++}`,
        });
        await flooder.call({ cmd: "add", count: 2, batch: 0 });
        flood = flooder.call<FloodReply>({
          cmd: "flood",
          seconds: seconds + 1,
        });
        await sleep(500);
      }
      const result = await g.call<OpenReply>({ cmd: "open", seconds, rate });
      const cpu = sampleProc(server.pid).cpu - before.cpu;
      const flooding = await flood;
      await flooder?.quit();
      return {
        relayMs: result.relay,
        sent: result.sent,
        lost: result.lost,
        onlineFramesReceived: result.online,
        serverCpuShare: round(cpu / result.seconds, 2),
        serverCpuPer10k: round(cpu / result.guests * 10_000, 4),
        ...(flooding ? { flooder: flooding } : {}),
      };
    };
    // Calm and flooded windows take turns; each figure is the best of its
    // kind, so that a stall caused elsewhere on the machine (other jobs
    // share these two cores) passes neither for the flooder's harm nor for
    // its harmlessness.
    const calms: OpenWindowRow[] = [];
    const floods: OpenWindowRow[] = [];
    for (let i = 0; i < 2; i++) {
      calms.push(await window(false));
      floods.push(await window(true));
    }
    calms.push(await window(false));
    const check = await g.call<CheckReply>({ cmd: "check" });
    const byP99 = (a: OpenWindowRow, b: OpenWindowRow) =>
      a.relayMs.p99 - b.relayMs.p99;
    calms.sort(byP99);
    floods.sort(byP99);
    const baselineP99 = calms[0].relayMs.p99;
    return {
      offeredPerSecond: rate,
      calm: calms[1],
      flooded: floods[0],
      calmP99s: calms.map((c) => c.relayMs.p99),
      floodedP99s: floods.map((c) => c.relayMs.p99),
      baselineP99,
      floodP99Increase: round(floods[0].relayMs.p99 / baselineP99 - 1, 3),
      normalPairedAtEnd: check.paired,
      normalErrors: check.errors,
    };
  });
}

/** Where the Redis scenario's servers keep their pairs. */
/**
 * One instance of ours in memory, two of ours on one Redis, or two of the
 * reference relay through Redis (`reference_redis_relay.ts`).
 */
export type Backend = "memory" | "redis" | "bare-redis";

/** The Redis scenario's load: this many pairs, this many lines a second. */
const REDIS_PAIRS = 500;
const REDIS_RATE = 2000;

/** Server-side figures of one window of the Redis scenario. */
export interface RedisWindow {
  relayMs: Percentiles;
  sent: number;
  messagesPerSecond: number;
  /** Every serving process: our servers and, with Redis, redis-server. */
  cpuShare: number;
  cpuPer10k: number;
  redisCpuPer10k: number;
  /** PUBLISH calls in the window. */
  publishes: number;
  /** Chat lines that crossed instances per PUBLISH (batches). */
  linesPerPublish: number;
}

/** The report's row for one round of the relay, in memory or through Redis. */
export interface RedisRow extends RedisWindow {
  backend: Backend;
  seconds: number;
  instances: number;
  pairs: number;
  offeredPerSecond: number;
  lost: number;
  serverCpuSeconds: number[];
  redisCpuSeconds: number;
  connectionsPerInstance: number[];
  /** From `strangers_pairs_across_total`, summed over the instances. */
  crossInstancePairs: number;
  /** The same visitors in a saturating closed loop after the open one. */
  closed?: RedisWindow;
  errors: number;
}

/**
 * 7. The same open-loop relay through one in-memory server, or through two
 * servers that share a Redis: visitors alternate between the two instances
 * and join two at a time, so nearly every pair spans both and every chat
 * line travels through Redis; then the same visitors in a closed loop, each
 * sending its next line once its echo is back, which saturates core 0. CPU
 * is summed over every process that serves.
 */
export async function redisRelay(
  backend: Backend,
  options: OpenLoopOptions,
): Promise<RedisRow> {
  const { seconds } = options;
  const rate = REDIS_RATE;
  // Strict first come, first served: every pair spans the two instances.
  const shared = backend !== "memory";
  const fleet = await startFleet({
    instances: shared ? 2 : 1,
    args: [
      ...OURS_UNTHROTTLED,
      ...(shared ? ["--match-local-window", "0"] : []),
    ],
    ours: options.ours,
    target: backend === "bare-redis" ? "reference-redis" : "ours",
  });
  const bare = backend === "bare-redis";
  const { servers, redis, pids } = fleet;
  let g: Generator | undefined;
  try {
    const generator = g = new Generator(redis ? servers : servers[0], {
      id: 0,
    });
    // Two at a time, each waited for: visitor k is on instance k % 2, and the
    // two who join together are each other's partner.
    const added = await g.call<AddReply>({
      cmd: "add",
      count: REDIS_PAIRS * 2,
      batch: 2,
    });
    if (added.paired !== REDIS_PAIRS * 2) {
      throw new Error(
        `redis: only ${added.paired} of ${REDIS_PAIRS * 2} paired`,
      );
    }
    // The reference pairs the two who join together, on two instances.
    const across = bare ? REDIS_PAIRS : redis
      ? (await Promise.all(
        servers.map((s) => metricOf(s, "strangers_pairs_across_total")),
      )).reduce((a, b) => a + b)
      : 0;
    // One window of the load: CPU of every process and PUBLISH calls in it.
    const measure = async <T extends WindowReply>(
      command: Record<string, unknown>,
    ) => {
      const cpuSince = cpuFrom(pids);
      const publishedBefore = redis ? await publishCalls(redis.port) : 0;
      const result = await generator.call<T>(command);
      const cpu = cpuSince();
      const publishes = redis
        ? await publishCalls(redis.port) - publishedBefore
        : 0;
      const total = cpu.reduce((a, b) => a + b, 0);
      const redisCpu = redis ? cpu[cpu.length - 1] : 0;
      const window: RedisWindow = {
        relayMs: result.relay,
        sent: result.sent,
        messagesPerSecond: result.messagesPerSecond,
        cpuShare: round(total / result.seconds, 2),
        cpuPer10k: round(total / result.guests * 10_000, 4),
        redisCpuPer10k: round(redisCpu / result.guests * 10_000, 4),
        publishes,
        linesPerPublish: publishes
          ? round(result.guests * across / REDIS_PAIRS / publishes, 2)
          : 0,
      };
      return { result, cpu, window };
    };
    // Past the online-count broadcast that follows the last join by 1 s.
    await g.call({ cmd: "open", seconds: 2, rate });
    const open = await measure<OpenReply>({ cmd: "open", seconds, rate });
    const closed = await measure<ClosedReply>({ cmd: "closed", seconds });
    const health = bare ? [] : await Promise.all(
      servers.map(async (s) => {
        const response = await fetch(`http://127.0.0.1:${s.port}/healthz`);
        return await response.json() as { connections: number };
      }),
    );
    return {
      backend,
      seconds,
      instances: servers.length,
      pairs: REDIS_PAIRS,
      offeredPerSecond: rate,
      ...open.window,
      lost: open.result.lost,
      serverCpuSeconds: open.cpu.slice(0, servers.length).map((c) =>
        round(c, 2)
      ),
      redisCpuSeconds: round(redis ? open.cpu[open.cpu.length - 1] : 0, 2),
      connectionsPerInstance: health.map((h) => h.connections),
      crossInstancePairs: across,
      closed: closed.window,
      errors: closed.result.errors,
    };
  } finally {
    await g?.quit();
    await fleet.stop();
  }
}
