/**
 * The interests burst (issue 14, `--only interests` and `interests-redis`):
 * N visitors open their sockets at once, each asking as the widget does
 * with 0–5 interests drawn Zipf over 1,000 names (`interests.ts`), against
 * the same burst asking first come ("plain"), on the same server build and
 * flags, alternating. In memory on one server, or through two of our
 * servers sharing one redis-server with the visitors alternating between
 * them. How the pairs came about is read from each server's
 * `strangers_pairs_matched_total` before and after the burst. Each run
 * returns one row of the report.
 *
 * @module
 */

import { publishCalls, startRedis } from "../tests/support/redis.ts";
import { type AddReply, Generator } from "./generator.ts";
import type { RequestSpec } from "./interests.ts";
import { type Percentiles, percentiles, round, sleep } from "./lib.ts";
import {
  cpuFrom,
  OURS_BASE,
  readMemoryKb,
  type Server,
  spawn,
  startServer,
  stop,
} from "./process.ts";
import type { Outcome, Rounds } from "./report.ts";
import { mb, type ScenarioOptions } from "./scenarios.ts";

/** What the visitors of a burst ask for: nothing, or interests. */
export type Asking = RequestSpec["kind"];

/** Where the servers keep their queue: one in memory, or two on Redis. */
export type Home = "memory" | "redis";

/** How pairs came about (`strangers_pairs_matched_total`'s `by`). */
export type PairKinds = Record<
  "interest" | "language" | "fallback" | "plain",
  number
>;

/** The report's row for one interests (or plain) burst. */
export interface InterestBurstRow {
  asking: Asking;
  home: Home;
  instances: number;
  visitors: number;
  /** `--match-fallback`, in seconds (10 is the server's default). */
  fallbackSeconds: number;
  /** Visitors told `response`. */
  paired: number;
  /** Pairs the servers made (`strangers_pairs_matched_total`). */
  pairs: number;
  allPairedMs: number;
  pairsPerSecond: number;
  /** Every serving process: our servers and, on Redis, redis-server. */
  serverCpuMsPerPair: number;
  /** Of which redis-server. */
  redisCpuMsPerPair: number;
  joinToPairedMs: Percentiles;
  /** Pairs made in the burst by how, summed over the instances. */
  matched: PairKinds;
  /** Visitors whose `response` named an interest both share. */
  sharing: number;
  /** PUBLISH calls in the burst: on Redis, a `paired` per pair that spans
   * both instances (0 in memory). */
  crossInstancePairs: number;
  connectionsPerInstance: number[];
  errors: number;
  /** One tally per generator. */
  errorKinds: Record<string, number>[];
  /** RSS of the first server after the burst. */
  rssMb: number;
}

/** A home's rounds: plain and interests alternating, at fallback 0. */
export interface InterestResults {
  home: Home;
  visitors: number;
  /** `--match-fallback 0`: the ratios of the targets. */
  ratio: Rounds<Asking, InterestBurstRow>;
  /** The interests burst at the default fallback: no target. */
  atDefault: Outcome<InterestBurstRow>[];
}

/** Options for {@linkcode interestBurst}. */
export interface InterestBurstOptions extends ScenarioOptions {
  home: Home;
  visitors: number;
  /** `--match-fallback` seconds. @default {the server's, 10} */
  fallback?: number;
}

/** The server's default `MATCH_FALLBACK`, in seconds (`lib/matching.ts`). */
const DEFAULT_FALLBACK = 10;

/** One seed for every round, so that each sends the same requests. */
const SEED = 14_000;

/**
 * GETs `path` from `server`: 3 tries, 10 s each, since a server just out of
 * a burst may be slow to answer.
 */
async function get(
  server: Server,
  path: string,
): Promise<{ status: number; text: string }> {
  for (let attempt = 1;; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (attempt === 3) throw new Error(`${path}: ${error}`);
      await sleep(500);
    }
  }
}

/** `strangers_pairs_matched_total` of one server, by kind. */
async function pairKinds(server: Server): Promise<PairKinds> {
  const { status, text } = await get(server, "/metrics");
  if (status !== 200) throw new Error(`/metrics: ${status} ${text}`);
  const kinds: PairKinds = { interest: 0, language: 0, fallback: 0, plain: 0 };
  for (const kind of Object.keys(kinds) as (keyof PairKinds)[]) {
    const pattern = `^strangers_pairs_matched_total\\{by="${kind}"\\} (\\d+)`;
    kinds[kind] = Number(text.match(new RegExp(pattern, "m"))?.[1] ?? 0);
  }
  return kinds;
}

/** The pairs made by each kind over every server, as a sum. */
async function sumKinds(servers: Server[]): Promise<PairKinds> {
  const all = await Promise.all(servers.map(pairKinds));
  const sum: PairKinds = { interest: 0, language: 0, fallback: 0, plain: 0 };
  for (const kinds of all) {
    for (const k of Object.keys(sum) as (keyof PairKinds)[]) {
      sum[k] += kinds[k];
    }
  }
  return sum;
}

/**
 * Waits until every server's `/healthz` says 200 (its backend is reached),
 * 10 s at most.
 */
async function healthy(servers: Server[]): Promise<void> {
  const until = performance.now() + 10_000;
  for (const s of servers) {
    for (;;) {
      const { status } = await get(s, "/healthz");
      if (status === 200) break;
      if (performance.now() > until) {
        throw new Error(`instance on ${s.port}: /healthz ${status}`);
      }
      await sleep(100);
    }
  }
}

/** Sockets open on each server, from its `/healthz`. */
async function connections(servers: Server[]): Promise<number[]> {
  return await Promise.all(servers.map(async (s) => {
    const { text } = await get(s, "/healthz");
    return (JSON.parse(text) as { connections: number }).connections;
  }));
}

/**
 * N visitors asking as `asking` says join at once, on one server in memory
 * or on two sharing a Redis (visitor k of each generator on instance k % 2).
 * CPU is summed over every serving process.
 */
export async function interestBurst(
  asking: Asking,
  options: InterestBurstOptions,
): Promise<InterestBurstRow> {
  const { visitors, home } = options;
  // On core 0 beside our servers, and stopped with them on Ctrl-C.
  const redis = home === "redis"
    ? await startRedis({ spawn: (argv) => spawn(argv, { core: 0 }) })
    : undefined;
  const fallback = options.fallback === undefined
    ? []
    : ["--match-fallback", String(options.fallback)];
  const servers: Server[] = [];
  const gs: Generator[] = [];
  try {
    for (let i = 0; i < (redis ? 2 : 1); i++) {
      servers.push(
        await startServer("ours", {
          entry: options.ours.entry,
          args: [
            ...OURS_BASE,
            ...fallback,
            ...(redis ? ["--redis-url", redis.url] : []),
            ...options.ours.flags,
          ],
        }),
      );
    }
    // A generator process holds at most 8,000 sockets.
    const procs = Math.ceil(visitors / 8000);
    for (let id = 0; id < procs; id++) {
      gs.push(new Generator(redis ? servers : servers[0], { id }));
    }
    await healthy(servers);
    await sleep(500);
    const pids = [...servers.map((s) => s.pid), ...(redis ? [redis.pid] : [])];
    const kindsBefore = await sumKinds(servers);
    const publishedBefore = redis ? await publishCalls(redis.port) : 0;
    const cpuSince = cpuFrom(pids);
    const replies = await Promise.all(gs.map((g, id) =>
      g.call<AddReply>({
        cmd: "add",
        count: visitors / procs,
        batch: 0,
        // Past the fallback: an odd visitor out waits for no partner.
        timeout: 30 + (options.fallback ?? DEFAULT_FALLBACK),
        requests: { kind: asking, seed: SEED + id } satisfies RequestSpec,
      })
    ));
    const cpu = cpuSince();
    const published = redis
      ? await publishCalls(redis.port) - publishedBefore
      : 0;
    const kindsAfter = await sumKinds(servers);
    const matched = { ...kindsAfter };
    for (const k of Object.keys(matched) as (keyof PairKinds)[]) {
      matched[k] -= kindsBefore[k];
    }
    const paired = replies.reduce((n, r) => n + r.paired, 0);
    if (paired === 0) {
      const kinds = JSON.stringify(replies.map((r) => r.errorKinds));
      throw new Error(`nobody paired of ${visitors}: ${kinds}`);
    }
    // The servers' count: a pair whose second visitor failed on the way
    // still cost the servers their work.
    const pairs = Object.values(matched).reduce((a, b) => a + b, 0);
    const allPairedMs = Math.max(...replies.map((r) => r.allPairedMs));
    const total = cpu.reduce((a, b) => a + b, 0);
    const redisCpu = redis ? cpu[cpu.length - 1] : 0;
    const row: InterestBurstRow = {
      asking,
      home,
      instances: servers.length,
      visitors,
      fallbackSeconds: options.fallback ?? DEFAULT_FALLBACK,
      paired,
      pairs,
      allPairedMs,
      pairsPerSecond: round(pairs / (allPairedMs / 1000), 1),
      serverCpuMsPerPair: round(total * 1000 / pairs, 3),
      redisCpuMsPerPair: round(redisCpu * 1000 / pairs, 3),
      joinToPairedMs: percentiles(
        replies.flatMap((r) => r.joinToPairedSamples),
      ),
      matched,
      sharing: replies.reduce((n, r) => n + r.sharing, 0),
      crossInstancePairs: published,
      connectionsPerInstance: await connections(servers),
      errors: replies.reduce((n, r) => n + r.errors, 0),
      errorKinds: replies.map((r) => r.errorKinds),
      rssMb: mb(readMemoryKb(servers[0].pid).rssKb),
    };
    console.error(
      `    ${row.paired} paired, ${row.pairsPerSecond} pairs/s, ${row.serverCpuMsPerPair} ms CPU per pair, by interest ${matched.interest} of ${pairs}, ${row.errors} errors`,
    );
    return row;
  } finally {
    await Promise.all(gs.map((g) => g.quit()));
    await Promise.all(servers.map((s) => stop(s.child)));
    await redis?.stop();
  }
}
