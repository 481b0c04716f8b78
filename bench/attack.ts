/**
 * `--only attack`: what one address can make our server hold. From one
 * address, 20 sockets send unfinished fragmented messages and 20 send one
 * 60 MiB frame each, while a victim pair chats beside them: every attacker
 * must be closed 1009, RSS must rise by 64 MiB at most and the victim's
 * relay p99 must stay under 50 ms. Our server alone (the reference relay
 * has no size limit to test).
 *
 * @module
 */

import { pair } from "../tests/helpers.ts";
import { oversizeAttack, victimLatencies } from "../tests/support/oversize.ts";
import { percentiles, round, sleep } from "./lib.ts";
import { OURS_BASE, readMemoryKb, startServer, stop } from "./process.ts";
import type { Ours } from "./scenarios.ts";

/** The figures of one attack. */
export interface AttackRow {
  attackers: number;
  /** Attackers the server closed with 1009. */
  closed1009: number;
  /** The most bytes any attacker got to write, MiB. */
  maxSentMib: number;
  /** Peak RSS during the attack minus RSS before it, MiB. */
  rssRiseMib: number;
  victimLines: number;
  victimP50Ms: number;
  victimP99Ms: number;
}

/** Runs the attack against our server on `ours`' entry and flags. */
export async function attack(ours: Ours): Promise<AttackRow> {
  const server = await startServer("ours", {
    entry: ours.entry,
    // A victim that chats fast, so that the p99 has lines to stand on.
    args: [
      ...OURS_BASE,
      "--rate-messages",
      "100",
      "--rate-burst",
      "100",
      ...ours.flags,
    ],
  });
  try {
    const [a, b] = await pair(`ws://127.0.0.1:${server.port}/ws`);
    const rss = () => readMemoryKb(server.pid).rssKb / 1024;
    const before = rss();
    let peak = before;
    let running = true;
    const sampler = (async () => {
      while (running) {
        peak = Math.max(peak, rss());
        await sleep(50);
      }
    })();
    const victim = victimLatencies([a, b], () => running);
    const results = await oversizeAttack(server.port);
    await sleep(500);
    running = false;
    const [, latencies] = await Promise.all([sampler, victim]);
    await Promise.all([a.close(), b.close()]);
    const p = percentiles(latencies);
    return {
      attackers: results.length,
      closed1009: results.filter((r) => r.code === 1009).length,
      maxSentMib: round(Math.max(...results.map((r) => r.sent)) / 2 ** 20, 1),
      rssRiseMib: round(peak - before, 1),
      victimLines: latencies.length,
      victimP50Ms: round(p.p50),
      victimP99Ms: round(p.p99),
    };
  } finally {
    await stop(server.child);
  }
}

/** Markdown lines for the attack, with its targets. */
export function attackMarkdown(x: AttackRow): string[] {
  return [
    "",
    `One address's oversized messages: ${
      x.attackers / 2
    } sockets with unfinished fragmented messages and ${
      x.attackers / 2
    } with one 60 MiB frame each, a victim pair chatting beside them (\`--only attack\`, our server alone, default \`WS_EDGE=node\`).`,
    "",
    "| metric | measured | goal |",
    "|---|---:|---|",
    `| attackers closed with 1009 | ${x.closed1009} of ${x.attackers} | all |`,
    `| most any attacker wrote before it (MiB) | ${x.maxSentMib} | – |`,
    `| RSS rise (MiB) | ${x.rssRiseMib} | ≤ 64 |`,
    `| victim relay p50 (ms) | ${x.victimP50Ms} | – |`,
    `| **victim relay p99 (ms)** | ${x.victimP99Ms} | < 50 |`,
    `| victim lines timed | ${x.victimLines} | – |`,
  ];
}
