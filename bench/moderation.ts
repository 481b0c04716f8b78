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

import { OURS_BASE, withFlag } from "./process.ts";
import { burst, type BurstRow, type ScenarioOptions } from "./scenarios.ts";
import {
  relayUnder,
  type SettingOptions,
  type SettingRow,
} from "./setting_relay.ts";

/** Evidence digests kept (`--evidence true`, the default) or not. */
export type Evidence = "on" | "off";

/** The report's row for one run of the evidence scenario. */
export interface EvidenceRow extends SettingRow {
  evidence: Evidence;
}

/**
 * The relay with evidence digests on or off (`setting_relay.ts`): `pairs`
 * pairs, an open-loop window at `rate` lines/s, then a closed-loop window.
 */
export async function evidenceRelay(
  evidence: Evidence,
  options: SettingOptions,
): Promise<EvidenceRow> {
  const flags = ["--evidence", evidence === "on" ? "true" : "false"];
  return { ...await relayUnder({ flags }, options), evidence };
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
