/**
 * The operator's safety options, part of the server's `Config`: where
 * reports and bans are kept, when reports ban, the console's token, the
 * proof of work, the early-link filter, and the age gate.
 *
 * @module
 */

import type { OptionSpec } from "../ops/config.ts";
import { option } from "../ops/option_spec.ts";

/** Proof of work: never, for suspicious addresses, or for every request. */
export const POW_MODES = ["off", "suspicious", "always"] as const;

/** The safety options, part of the server's `Config`. */
export interface ModerationConfig {
  dataDir: string;
  adminToken: string;
  reportBanThreshold: number;
  reportBanWindow: number;
  reportBanSeconds: number;
  reportRetentionDays: number;
  evidence: boolean;
  powMode: typeof POW_MODES[number];
  powMaxNumber: number;
  powHandshakes: number;
  powShortChats: number;
  earlyFilterLines: number;
  earlyFilterSeconds: number;
  wordListFile: string;
  ageGate: boolean;
}

/** The safety rows of the option table (`--help`, README). */
export const MODERATION_OPTIONS: readonly OptionSpec[] = [
  option(
    "dataDir",
    "string",
    "data",
    "folder of the embedded store of reports, bans and the audit log (:memory: keeps them in memory only); unused when REDIS_URL or KV_PATH is set",
  ),
  option(
    "adminToken",
    "string",
    "",
    "token that signs in to /admin, its JSON API and the CLI, at least 16 characters (empty: console and API off)",
  ),
  option(
    "reportBanThreshold",
    "int",
    "3",
    "reports from distinct addresses within the report window that shadowban a visitor (0: reports never ban by themselves)",
  ),
  option(
    "reportBanWindow",
    "int",
    "3600",
    "seconds within which reports against one visitor count toward a ban",
  ),
  option(
    "reportBanSeconds",
    "int",
    "86400",
    "how long a ban made by reports lasts, in seconds",
  ),
  option(
    "reportRetentionDays",
    "int",
    "30",
    "days a report is kept before it is deleted",
  ),
  option(
    "evidence",
    "bool",
    "true",
    "keep keyed digests (never the text) of each chat's last 50 lines, so that a report's lines can be verified",
  ),
  option(
    "powMode",
    "string",
    "suspicious",
    "proof of work (ALTCHA) before pairing: off, suspicious (after many handshakes or very short chats from one address, or with open reports) or always",
    POW_MODES,
  ),
  option(
    "powMaxNumber",
    "int",
    "100000",
    "proof-of-work difficulty: the largest number a solution may need (about that many SHA-256 hashes in the browser)",
  ),
  option(
    "powHandshakes",
    "int",
    "20",
    "handshakes per minute from one address past which the proof of work is required (suspicious mode; 0: never)",
  ),
  option(
    "powShortChats",
    "int",
    "8",
    "chats shorter than 5 seconds per 10 minutes from one address past which the proof of work is required (suspicious mode; 0: never)",
  ),
  option(
    "earlyFilterLines",
    "int",
    "3",
    "a visitor's first lines of each chat in which links, @handles, phone numbers and listed words are not relayed (0: none)",
  ),
  option(
    "earlyFilterSeconds",
    "int",
    "30",
    "seconds from the start of each chat in which the same filter holds (0: none)",
  ),
  option(
    "wordListFile",
    "string",
    "",
    "file of words or phrases (one a line) held back like links in a chat's first lines",
  ),
  option(
    "ageGate",
    "bool",
    "false",
    "ask for a checkbox (adult, accepts the terms at TERMS_URL) before the first chat",
  ),
];

/** What is wrong with the safety options, in one line; `null` when nothing. */
export function moderationProblem(config: ModerationConfig): string | null {
  const { adminToken } = config;
  if (adminToken !== "" && adminToken.length < 16) {
    return "--admin-token / ADMIN_TOKEN must be at least 16 characters";
  }
  return null;
}
