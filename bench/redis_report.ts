/**
 * The table of the relay through Redis (`--only redis`): two instances of
 * our server on one redis-server, one instance in memory, and two instances
 * of the reference relay through Redis (`reference_redis_relay.ts`),
 * alternating in one run.
 *
 * @module
 */

import { median, round } from "./lib.ts";
import type { Backend, RedisRow, RedisWindow } from "./open_loop.ts";
import { completed, first, type Rounds } from "./report.ts";

const show = (x: number) => isNaN(x) ? "–" : String(round(x, 3));
const ratio = (a: number, b: number) => show(round(a / b, 2));

/** Markdown lines for the relay through Redis. */
export function redisMarkdown(rounds: Rounds<Backend, RedisRow>): string[] {
  const one = first(rounds.redis);
  // Runs from before the reference through Redis have no such rounds.
  const bare = rounds["bare-redis"] ?? [];
  const pairs = one.pairs.toLocaleString("en");
  const done = Math.min(rounds.memory.length, rounds.redis.length);
  const out = [
    "",
    `Relay through Redis: ${pairs} pairs, open loop at ${
      one.offeredPerSecond.toLocaleString("en")
    } lines/s for ${one.seconds} s${
      one.closed
        ? `, then the same visitors in a closed loop for ${one.seconds} s`
        : ""
    }. "Redis" is two instances of our server sharing one redis-server, all three on core 0, visitors alternating between the instances; "memory" is one instance of our server alone on core 0; "bare" is \`bench/reference_redis_relay.ts\`, the reference relay split the same way over two instances and one redis-server (one PUBLISH per line, nothing else): the floor of relaying through Redis. Same generator on core 1, ${done} alternating round${
      done === 1 ? "" : "s"
    }, medians. CPU counts every serving process (with Redis: both servers and redis-server). The deliveries one task of ours makes for one instance go as one PUBLISH: "lines per PUBLISH" is how many that makes on average.`,
    "",
    "| scenario | metric | ours, Redis (2 instances) | ours, in memory | Redis / memory | bare, Redis (2 instances) | ours / bare, both through Redis |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  /** A row; `alone` for figures that only a Redis contender has. */
  const row = (
    scenario: string,
    metric: string,
    pick: (v: RedisWindow & Partial<RedisRow>) => number,
    { alone = false, closed = false } = {},
  ) => {
    const at = (list: typeof bare) => {
      const values = completed(list).flatMap((v) => {
        const window = closed ? v.closed : v;
        return window ? [pick(window)] : [];
      });
      return values.length ? median(values) : NaN;
    };
    const [ours, memory, floor] = [rounds.redis, rounds.memory, bare].map(at);
    const inMemory = alone ? NaN : memory;
    out.push(
      `| ${scenario} | ${metric} | ${show(ours)} | ${show(inMemory)} | ${
        ratio(ours, inMemory)
      } | ${show(floor)} | ${ratio(ours, floor)} |`,
    );
  };
  const open = `relay through Redis, ${pairs} pairs, ${
    one.offeredPerSecond.toLocaleString("en")
  } msg/s`;
  row(open, "relay p50 (ms)", (v) => v.relayMs.p50);
  row(open, "relay p99 (ms)", (v) => v.relayMs.p99);
  row(open, "relay p999 (ms)", (v) => v.relayMs.p999);
  row(
    open,
    "**CPU s per 10k messages, all serving processes**",
    (v) => v.cpuPer10k,
  );
  row(open, "of which redis-server", (v) => v.redisCpuPer10k, { alone: true });
  row(open, "CPU share, all serving processes (cores)", (v) => v.cpuShare);
  row(
    open,
    "pairs spanning two instances",
    (v) => v.crossInstancePairs ?? NaN,
    { alone: true },
  );
  row(open, "lines per PUBLISH", (v) => v.linesPerPublish, { alone: true });
  if (one.closed) {
    const c = `relay through Redis, closed loop, ${pairs} pairs`;
    const closed = { closed: true };
    row(c, "messages/s", (v) => v.messagesPerSecond, closed);
    row(c, "relay p99 (ms)", (v) => v.relayMs.p99, closed);
    row(
      c,
      "**CPU s per 10k messages, all serving processes**",
      (v) => v.cpuPer10k,
      closed,
    );
    row(c, "of which redis-server", (v) => v.redisCpuPer10k, {
      ...closed,
      alone: true,
    });
    row(c, "lines per PUBLISH", (v) => v.linesPerPublish, {
      ...closed,
      alone: true,
    });
  }
  row(open, "lines lost", (v) => v.lost ?? NaN);
  return out;
}
