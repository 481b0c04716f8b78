/**
 * The safety scenarios in the report (`moderation.ts`): the tables of the
 * relay with evidence digests on and off and of the burst with the proof of
 * work in `suspicious` mode and `off`, and their targets: each at most
 * {@linkcode MAX_RATIO} × the other setting of the same run.
 *
 * @module
 */

import { round } from "./lib.ts";
import { settingMetrics } from "./setting_relay.ts";
import { failure, ratioRow, rows } from "./compare_report.ts";
import type {
  Evidence,
  EvidenceRow,
  PowBurstRow,
  PowMode,
} from "./moderation.ts";
import {
  completed,
  lowestOf,
  medianOf,
  type Results,
  type Rounds,
  type TargetRow,
} from "./report.ts";

/** The most either safety feature may cost, against the same run without. */
export const MAX_RATIO = 1.1;

/** The markdown of the evidence scenario. */
export function evidenceMarkdown(
  rounds: Rounds<Evidence, EvidenceRow>,
): string[] {
  const [one] = completed([...rounds.on, ...rounds.off]);
  if (!one || !completed(rounds.on).length || !completed(rounds.off).length) {
    const all = [...rounds.on, ...rounds.off];
    return ["", `Evidence digests: failed (${failure(all)}).`];
  }
  const pairs = one.pairs.toLocaleString("en");
  const rate = one.offeredPerSecond.toLocaleString("en");
  return [
    "",
    `Evidence digests: our server with \`--evidence true\` (the default: a keyed digest of each of a chat's last 50 relayed lines) against \`--evidence false\`, ${pairs} pairs, first an open loop at ${rate} lines/s for ${
      Math.round(one.open.seconds)
    } s, then a closed loop on the same pairs for ${
      Math.round(one.closed.seconds)
    } s; per-address limits, proof of work and the early-link filter off for both. ${rounds.on.length} alternating rounds, a fresh server each, medians.`,
    "",
    "| metric | evidence on | evidence off | on / off |",
    "|---|---:|---:|---:|",
    ...rows(rounds.on, rounds.off, settingMetrics(one.offeredPerSecond)),
  ];
}

/** The markdown of the proof-of-work burst. */
export function powBurstMarkdown(
  rounds: Rounds<PowMode, PowBurstRow>,
): string[] {
  const [one] = completed([...rounds.suspicious, ...rounds.off]);
  if (
    !one || !completed(rounds.suspicious).length ||
    !completed(rounds.off).length
  ) {
    const all = [...rounds.suspicious, ...rounds.off];
    return ["", `Proof-of-work burst: failed (${failure(all)}).`];
  }
  const n = one.visitors.toLocaleString("en");
  return [
    "",
    `Proof-of-work burst: ${n} visitors open their sockets at once, each from an X-Forwarded-For address of its own (\`--trust-proxy x-forwarded-for\`), on our server with \`--pow-mode suspicious\` (the default: it counts each address's handshakes and short chats) against \`--pow-mode off\`; per-address limits and the pairing cap off for both. No address is suspicious, so nobody should be asked: the ratio is the bookkeeping's cost. ${rounds.suspicious.length} alternating runs, a fresh server each, medians.`,
    "",
    "| metric | suspicious | off | suspicious / off |",
    "|---|---:|---:|---:|",
    ...rows(rounds.suspicious, rounds.off, [
      ["**pairs/s**", (v) => v.pairsPerSecond],
      ["**server CPU ms per pair**", (v) => v.serverCpuMsPerPair],
      ["time until all paired (ms)", (v) => v.allPairedMs],
      ["join → paired p50 (ms)", (v) => v.joinToPairedMs.p50],
      ["join → paired p99 (ms)", (v) => v.joinToPairedMs.p99],
      ["visitors asked for proof of work", (v) => v.asked],
      ["visitors not paired", (v) => v.visitors - v.paired],
      ["errors", (v) => v.errors],
      ["RSS after the burst (MB)", (v) => v.rssMb],
    ]),
  ];
}

/** The targets of the safety scenarios that ran. */
export function moderationTargets(results: Results): TargetRow[] {
  const out: TargetRow[] = [];
  const e = results.evidence;
  const [one] = e ? completed([...e.on, ...e.off]) : [];
  if (e && one) {
    const of = `median of ${e.on.length} rounds`;
    const cpu = (v: EvidenceRow) => v.open.serverCpuPer10k;
    out.push(ratioRow(
      `evidence digests on: server CPU per message ≤ ${MAX_RATIO} × off, open loop at ${
        one.offeredPerSecond.toLocaleString("en")
      } lines/s over ${one.pairs.toLocaleString("en")} pairs (${of})`,
      [e.on, e.off],
      cpu,
      "s/10k",
      MAX_RATIO,
    ));
    const closed = (v: EvidenceRow) => v.closed.serverCpuPer10k;
    const row = ratioRow(
      `evidence digests on: server CPU per message ≤ ${MAX_RATIO} × off, closed loop at ${
        one.pairs.toLocaleString("en")
      } pairs (${of})`,
      [e.on, e.off],
      closed,
      "s/10k",
      MAX_RATIO,
    );
    // The saturated closed loop moves between rounds of one server: the
    // least disturbed rounds beside the medians.
    const lowest = round(lowestOf(e.on, closed) / lowestOf(e.off, closed), 2);
    out.push({
      ...row,
      measured: `${row.measured} (lowest rounds: ${lowest}×)`,
    });
  }
  const p = results.powBurst;
  const [burst] = p ? completed([...p.suspicious, ...p.off]) : [];
  if (p && burst) {
    const where = `${
      burst.visitors.toLocaleString("en")
    } visitors, each its own address, median of ${p.suspicious.length} runs`;
    const [suspicious, off] = [p.suspicious, p.off].map((r) =>
      medianOf(r, (v) => v.pairsPerSecond)
    );
    out.push({
      target:
        `pow burst: pairs/s with suspicious ≥ off's / ${MAX_RATIO} (${where})`,
      measured: `${round(suspicious)} vs ${round(off)} pairs/s = ${
        round(suspicious / off, 2)
      }×`,
      met: off / suspicious <= MAX_RATIO,
    });
    out.push(ratioRow(
      `pow burst: server CPU per pair with suspicious ≤ ${MAX_RATIO} × off (${where})`,
      [p.suspicious, p.off],
      (v) => v.serverCpuMsPerPair,
      "ms",
      MAX_RATIO,
    ));
    const runs = completed([...p.suspicious, ...p.off]);
    const asked = completed(p.suspicious).reduce((n, v) => n + v.asked, 0);
    const whole = runs.filter((v) => v.paired === v.visitors).length;
    const all = p.suspicious.length + p.off.length;
    out.push({
      target:
        "pow burst: nobody asked for proof of work in suspicious mode, every visitor paired in every run",
      measured: `${asked} asked; ${whole} of ${all} runs paired everyone`,
      met: asked === 0 && whole === all,
    });
  }
  return out;
}
