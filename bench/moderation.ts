/**
 * The safety scenarios of issue 15 (`--only evidence,pow-burst`), each on
 * our server alone, alternating two settings of one option in the same run:
 *
 * - `evidence`: the relay with `--evidence true` (a keyed digest of each of
 *   a chat's last 50 lines) against `--evidence false`: server CPU per
 *   message in the open loop at a fixed rate, then in the closed loop on the
 *   same pairs.
 * - `pow-burst`: the pairing burst with `--pow-mode suspicious` against
 *   `off`, each visitor from an X-Forwarded-For address of its own, as a
 *   real crowd comes: suspicious mode then counts every handshake and asks
 *   nobody for a proof of work, which the row counts.
 *
 * Each run returns one row of the report (`moderation_report.ts`).
 *
 * @module
 */

import type { CheckReply, ClosedReply, OpenReply } from "./generator.ts";
import { type Percentiles, round } from "./lib.ts";
import {
  OURS_BASE,
  OURS_UNTHROTTLED,
  readCpuSeconds,
  readMemoryKb,
  withFlag,
} from "./process.ts";
import {
  addPairs,
  burst,
  type BurstRow,
  mb,
  type ScenarioOptions,
  session,
} from "./scenarios.ts";

/** Evidence digests kept (`--evidence true`, the default) or not. */
export type Evidence = "on" | "off";

/** One measurement window of the evidence scenario. */
export interface EvidenceWindow {
  seconds: number;
  /** Lines relayed to a partner in the window. */
  messages: number;
  messagesPerSecond: number;
  serverCpuPer10k: number;
  serverCpuShare: number;
  relayMs: Percentiles;
}

/** The report's row for one run of the evidence scenario. */
export interface EvidenceRow {
  evidence: Evidence;
  pairs: number;
  /** Lines a second offered in the open loop, in total. */
  offeredPerSecond: number;
  open: EvidenceWindow & { lost: number };
  closed: EvidenceWindow;
  errors: number;
  errorKinds: Record<string, number>;
  rssMb: number;
}

/** Options for {@linkcode evidenceRelay}. */
export interface EvidenceOptions extends ScenarioOptions {
  pairs: number;
  /** Lines a second in the open loop, over all pairs. */
  rate: number;
  /** Length of each measurement window. */
  seconds: number;
}

/**
 * The closed loop's limits off, and the early-link filter off on both
 * sides: the measurement windows fall in the chats' first 30 s, where the
 * filter would look at every line, and the ratio is about the digests.
 */
const RELAY_FLAGS: readonly string[] = [
  ...OURS_UNTHROTTLED,
  "--early-filter-lines",
  "0",
  "--early-filter-seconds",
  "0",
];

/**
 * The relay with evidence digests on or off: `pairs` pairs, an open-loop
 * window at `rate` lines/s, then a closed-loop window on the same pairs.
 * CPU per message counts the lines relayed to a partner.
 */
export async function evidenceRelay(
  evidence: Evidence,
  options: EvidenceOptions,
): Promise<EvidenceRow> {
  const { pairs, rate, seconds } = options;
  const serverFlags = withFlag(
    RELAY_FLAGS,
    "--evidence",
    evidence === "on" ? "true" : "false",
  );
  const setup = { target: "ours" as const, ours: options.ours, serverFlags };
  return await session({ ...setup, generators: 1 }, async (server, [g]) => {
    const [added] = await addPairs([g], pairs);
    if (added.paired !== pairs * 2) {
      throw new Error(`evidence: only ${added.paired} of ${pairs * 2} paired`);
    }
    const cpu = async <T>(run: () => Promise<T>) => {
      const before = readCpuSeconds(server.pid);
      const result = await run();
      return { result, cpu: readCpuSeconds(server.pid) - before };
    };
    // Past the online-count broadcast that follows the last join by 1 s,
    // and the JIT settled alike for both settings.
    await g.call({ cmd: "open", seconds: 2, rate });
    const open = await cpu(() =>
      g.call<OpenReply>({ cmd: "open", seconds, rate })
    );
    await g.call({ cmd: "closed", seconds: 1 });
    const closed = await cpu(() =>
      g.call<ClosedReply>({ cmd: "closed", seconds })
    );
    const check = await g.call<CheckReply>({ cmd: "check" });
    const window = (
      w: { result: OpenReply | ClosedReply; cpu: number },
      messages: number,
    ): EvidenceWindow => ({
      seconds: w.result.seconds,
      messages,
      messagesPerSecond: round(messages / w.result.seconds, 1),
      serverCpuPer10k: round(w.cpu / messages * 10_000, 4),
      serverCpuShare: round(w.cpu / w.result.seconds, 2),
      relayMs: w.result.relay,
    });
    const row: EvidenceRow = {
      evidence,
      pairs,
      offeredPerSecond: rate,
      open: { ...window(open, open.result.guests), lost: open.result.lost },
      closed: window(closed, closed.result.echoes),
      errors: check.errors,
      errorKinds: check.errorKinds,
      rssMb: mb(readMemoryKb(server.pid).rssKb),
    };
    console.error(
      `    open ${row.open.serverCpuPer10k} s/10k, closed ${row.closed.serverCpuPer10k} s/10k, ${row.open.lost} lost, ${row.errors} errors`,
    );
    return row;
  });
}

/** The proof-of-work modes the burst compares. */
export type PowMode = "off" | "suspicious";

/** The report's row for one pow-burst run: a burst row and who was asked. */
export interface PowBurstRow extends BurstRow {
  mode: PowMode;
  /** Visitors told `pow_required` or `pow_invalid` (each then gave up). */
  asked: number;
}

/** Options for {@linkcode powBurst}. */
export interface PowBurstOptions extends ScenarioOptions {
  visitors: number;
}

/** Error kinds (`load_client.ts`) of a visitor asked for a proof of work. */
const ASKED = ["error_pow_required", "error_pow_invalid"];

/**
 * N visitors join at once, each from its own X-Forwarded-For address, on
 * our server with the proof of work `mode`; the per-address limits and the
 * pairing cap off, as in the plain burst.
 */
export async function powBurst(
  mode: PowMode,
  options: PowBurstOptions,
): Promise<PowBurstRow> {
  const serverFlags = [
    ...withFlag(OURS_BASE, "--pow-mode", mode),
    "--trust-proxy",
    "x-forwarded-for",
  ];
  const row = await burst("ours", {
    ours: options.ours,
    visitors: options.visitors,
    serverFlags,
    forwarded: "unique",
  });
  const asked = row.errorKinds.reduce(
    (n, kinds) => n + ASKED.reduce((m, kind) => m + (kinds[kind] ?? 0), 0),
    0,
  );
  console.error(
    `    ${row.paired} paired, ${row.pairsPerSecond} pairs/s, ${row.serverCpuMsPerPair} ms CPU per pair, ${asked} asked for proof of work, ${row.errors} errors`,
  );
  return { ...row, mode, asked };
}
