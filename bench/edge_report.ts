/**
 * The table of the edge comparison (`--only edge`): our server on the
 * `node:http` edge (npm `ws`) against the same server on Deno's own
 * upgrade, alternating in one run.
 *
 * @module
 */

import { round } from "./lib.ts";
import { completed, type EdgeRow, medianOf, type Rounds } from "./report.ts";

/** Markdown lines for the edge comparison. */
export function edgeMarkdown(
  rounds: Rounds<"node" | "deno", EdgeRow>,
): string[] {
  const done = completed(rounds.node).length;
  if (done === 0 || completed(rounds.deno).length === 0) {
    return ["", "WebSocket edge comparison: failed (no completed round)."];
  }
  const pairs = completed(rounds.node)[0].pairs.toLocaleString("en");
  const row = (metric: string, pick: (row: EdgeRow) => number) => {
    const node = medianOf(rounds.node, pick);
    const deno = medianOf(rounds.deno, pick);
    return `| ${metric} | ${round(node)} | ${round(deno)} | ${
      round(node / deno, 2)
    } |`;
  };
  return [
    "",
    `WebSocket edge: our server with \`WS_EDGE=node\` (the default: node:http and npm \`ws\`, messages bounded as they arrive) against \`WS_EDGE=deno\` (Deno's own upgrade), closed loop at ${pairs} pairs, ${done} alternating rounds, medians.`,
    "",
    "| metric | node edge | deno edge | node / deno |",
    "|---|---:|---:|---:|",
    row("**server CPU s per 10k messages**", (v) => v.serverCpuPer10k),
    row("**RSS per 1,000 paired sockets (MB)**", (v) => v.rssPer1000SocketsMb),
    row("messages/s", (v) => v.messagesPerSecond),
    row("relay p99 (ms)", (v) => v.relayP99Ms),
    row("idle RSS (MB)", (v) => v.idleRssMb),
  ];
}
