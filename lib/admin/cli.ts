/**
 * The moderation commands of the `strangers` program: `ban`, `bans`,
 * `unban` and `reports`. Each reads the server's configuration (flags and
 * environment: `DATA_DIR`, `REDIS_URL`, `KV_PATH`…), opens the same store
 * the server uses, acts as actor `cli` (audited like the console), prints a
 * short table and returns the exit code: 0 done, 1 failed, 2 usage.
 * Running servers see a change within a second.
 *
 * @module
 */

import {
  type Config,
  ConfigError,
  loadConfig,
  OPTIONS,
} from "../ops/config.ts";
import { Moderation } from "../moderation/moderation.ts";
import { isStoreId } from "../moderation/store.ts";
import { formatDuration, formatTime, parseDuration } from "./duration.ts";
import { parseBanRequest, parseStatus } from "./validate.ts";

/** The commands, in the order usage lists them. */
export const CLI_COMMANDS = ["ban", "bans", "unban", "reports"] as const;

/** How the commands are used. */
export const CLI_USAGE =
  `usage: strangers ban ADDRESS --for DURATION [--visible] [--reason TEXT] [options]
       strangers ban --token TOKEN --for DURATION [--visible] [--reason TEXT] [options]
       strangers bans [options]
       strangers unban BAN_ID [options]
       strangers reports [--status open|dismissed|banned] [options]
DURATION: 90s, 30m, 24h, 7d, 2w (60 s to 365 days); a ban is a shadowban
unless --visible. The options are the server's (--data-dir, --redis-url,
--kv-path… or their environment variables), so that the command opens the
store the server uses.`;

/** Where a command reads and writes. */
export interface CliIo {
  env(name: string): string | undefined;
  out(line: string): void;
  err(line: string): void;
}

/** Whether `arg` names a moderation command. */
export function isCliCommand(arg: string | undefined): boolean {
  return CLI_COMMANDS.includes(arg as typeof CLI_COMMANDS[number]);
}

/** The command line split: positionals, our flags, and the server's. */
interface Parsed {
  positional: string[];
  flags: Map<string, string>;
  server: string[];
}

const OWN_FLAGS: Record<string, "value" | "switch"> = {
  "--for": "value",
  "--visible": "switch",
  "--reason": "value",
  "--token": "value",
  "--status": "value",
};

/** Splits `args` (after the command); a usage problem as a string. */
function split(args: readonly string[]): Parsed | string {
  const parsed: Parsed = { positional: [], flags: new Map(), server: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") continue;
    if (!arg.startsWith("-")) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const own = OWN_FLAGS[name];
    if (own === "switch") {
      parsed.flags.set(name, "");
    } else if (own === "value") {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) return `${name} needs a value`;
      parsed.flags.set(name, value);
    } else {
      // The server's option: pass it on with its value, as loadConfig reads it.
      parsed.server.push(arg);
      const spec = OPTIONS.find((o) => o.flag === name);
      const next = args[i + 1];
      const isSwitch = spec?.kind === "bool" || spec?.kind === "proxy";
      if (
        spec && eq === -1 && next !== undefined &&
        !(isSwitch && next.startsWith("-"))
      ) {
        parsed.server.push(next);
        i++;
      }
    }
  }
  return parsed;
}

/** Runs `args` (the command first); resolves with the exit code. */
export async function runCli(
  args: readonly string[],
  io: CliIo,
): Promise<number> {
  const [command, ...rest] = args;
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(CLI_USAGE);
    return 0;
  }
  const parsed = split(rest);
  const usage = (problem: string) => {
    io.err(`strangers ${command}: ${problem}\n${CLI_USAGE}`);
    return 2;
  };
  if (typeof parsed === "string") return usage(parsed);
  let config: Config;
  try {
    config = loadConfig(parsed.server, io.env);
  } catch (error) {
    if (error instanceof ConfigError) return usage(error.message);
    throw error;
  }
  const step = plan(command, parsed, config);
  if (typeof step === "string") return usage(step);
  let moderation: Moderation;
  try {
    moderation = await Moderation.open(config);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    io.err(`strangers ${command}: cannot open the moderation store: ${why}`);
    return 1;
  }
  try {
    return await step(moderation, io);
  } finally {
    await moderation.close();
  }
}

type Step = (moderation: Moderation, io: CliIo) => Promise<number>;

/** What `command` will do, or what is wrong with how it was asked. */
function plan(command: string, parsed: Parsed, config: Config): Step | string {
  const { positional, flags } = parsed;
  const allowed: Record<string, string[]> = {
    ban: ["--for", "--visible", "--reason", "--token"],
    bans: [],
    unban: [],
    reports: ["--status"],
  };
  const stray = [...flags.keys()].find((f) => !allowed[command].includes(f));
  if (stray) return `${stray} does not go with ${command}`;
  switch (command) {
    case "ban": {
      const token = flags.get("--token");
      if (positional.length !== (token === undefined ? 1 : 0)) {
        return "name one ADDRESS, or --token TOKEN";
      }
      const given = flags.get("--for");
      if (given === undefined) return "--for DURATION is required";
      const seconds = parseDuration(given);
      if (seconds === null) return `--for: "${given}" is no duration`;
      const request = parseBanRequest({
        ...token === undefined ? { address: positional[0] } : { token },
        seconds,
        visible: flags.has("--visible"),
        reason: flags.get("--reason") ?? "",
      }, config.ipv4Prefix);
      if (!request.ok) return request.error;
      return async (moderation, io) => {
        const ban = await moderation.ban(request.value, "cli");
        io.out(table([banRow(ban)], BAN_HEADER));
        return 0;
      };
    }
    case "bans":
      if (positional.length > 0) return "takes no arguments";
      return async (moderation, io) => {
        const bans = await moderation.store.bans(Date.now());
        io.out(bans.length ? table(bans.map(banRow), BAN_HEADER) : "no bans");
        return 0;
      };
    case "unban": {
      if (positional.length !== 1) return "name one BAN_ID";
      const id = positional[0];
      if (!isStoreId(id)) return `"${id}" is no ban id (see strangers bans)`;
      return async (moderation, io) => {
        if (!await moderation.unban(id, "cli")) {
          io.err(`strangers unban: no ban ${id} in force`);
          return 1;
        }
        io.out(`lifted ban ${id}`);
        return 0;
      };
    }
    default: {
      if (positional.length > 0) return "takes no arguments";
      const status = parseStatus(flags.get("--status") ?? null);
      if (!status.ok) return `--status: ${status.error}`;
      return async (moderation, io) => {
        const reports = await moderation.store.reports(status.value);
        io.out(
          reports.length
            ? table(reports.map(reportRow), REPORT_HEADER)
            : "no reports",
        );
        return 0;
      };
    }
  }
}

const BAN_HEADER = ["ID", "WHO", "UNTIL", "KIND", "BY", "REASON"];

function banRow(ban: {
  id: string;
  label: string;
  subject: string;
  at: number;
  until: number;
  visible: boolean;
  by: string;
  reason: string;
}): string[] {
  return [
    ban.id,
    ban.label || `visitor ${ban.subject.slice(0, 8)}`,
    `${formatTime(ban.until)} (${
      formatDuration(Math.round((ban.until - ban.at) / 1000))
    })`,
    ban.visible ? "visible" : "shadow",
    ban.by,
    ban.reason,
  ];
}

const REPORT_HEADER = ["ID", "AT", "REASON", "STATUS", "LINES", "NOTE"];

function reportRow(report: {
  id: string;
  at: number;
  reason: string;
  status: string;
  lines: { verified: boolean }[];
  note: string;
}): string[] {
  const verified = report.lines.filter((l) => l.verified).length;
  return [
    report.id,
    formatTime(report.at),
    report.reason,
    report.status,
    `${verified}/${report.lines.length} verified`,
    oneLine(report.note, 40),
  ];
}

/** `text` on one line of at most `max` characters, control characters out. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\p{C}+/gu, " ").trim();
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}

/** Rows under a header, in columns padded to their widest cell. */
function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows.map((row) => row.map((c) => oneLine(c, 60)))];
  const widths = header.map((_, i) =>
    Math.max(...all.map((row) => row[i].length))
  );
  return all.map((row) =>
    row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()
  ).join("\n");
}
