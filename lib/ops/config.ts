/**
 * Server configuration: one table of options, read from command-line flags
 * (`--port 8080`, `--port=8080`) and environment variables (`PORT=8080`), in
 * that order of precedence. The same table prints `--help` and the README's
 * option list, so the three never drift apart.
 *
 * @module
 */

import type { TrustProxy } from "../web/address.ts";
import { option as opt } from "./option_spec.ts";
import { MATCH_OPTIONS, type MatchConfig } from "../matching.ts";
import { SITE_OPTIONS, type SiteConfig, siteProblem } from "../site.ts";
import {
  MODERATION_OPTIONS,
  type ModerationConfig,
  moderationProblem,
} from "../moderation/options.ts";

export type { TrustProxy };

/** The resolved configuration the server runs with. */
export interface Config extends SiteConfig, MatchConfig, ModerationConfig {
  port: number;
  hostname: string;
  frameAncestors: string;
  allowedOrigins: string[];
  maxMessageLength: number;
  maxFrameBytes: number;
  rateMessages: number;
  rateBurst: number;
  rateTyping: number;
  rateAbuseLimit: number;
  maxSocketsPerIp: number;
  maxConnections: number;
  maxHttpConnectionsPerIp: number;
  wsEdge: "node" | "deno";
  maxHandshakesPerMinute: number;
  maxPairingsPerMinute: number;
  trustProxy: TrustProxy;
  ipv4Prefix: number;
  publicOrigin: string;
  maxBufferedBytes: number;
  idleTimeout: number;
  requestTimeout: number;
  resumeGrace: number;
  resumeBufferLines: number;
  resumeBufferBytes: number;
  redisUrl: string;
  kvPath: string;
  metricsToken: string;
  metricsPublic: boolean;
  logFormat: "json" | "text" | "auto";
  logLevel: "debug" | "info" | "warn" | "error";
  logIps: boolean;
}

type Kind = "int" | "string" | "bool" | "list" | "proxy";

/** One documented option. */
export interface OptionSpec {
  key: keyof Config;
  env: string;
  flag: string;
  kind: Kind;
  default: string;
  help: string;
  choices?: readonly string[];
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** Every option the server understands, with its default and meaning. */
export const OPTIONS: readonly OptionSpec[] = [
  opt("port", "int", "8000", "TCP port to listen on (0 picks a free one)"),
  opt("hostname", "string", "0.0.0.0", "address to bind"),
  opt(
    "frameAncestors",
    "string",
    "'self'",
    "CSP frame-ancestors: who may embed the chat in a frame",
  ),
  opt(
    "allowedOrigins",
    "list",
    "",
    "extra origins (comma-separated) allowed to open /ws besides the page's own",
  ),
  opt("maxMessageLength", "int", "2000", "longest chat message, in characters"),
  opt(
    "maxFrameBytes",
    "int",
    "16384",
    "largest incoming WebSocket frame; larger closes with 1009",
  ),
  opt("rateMessages", "int", "5", "chat messages per second per connection"),
  opt("rateBurst", "int", "10", "burst of chat messages above the rate"),
  opt("rateTyping", "int", "2", "typing frames per second per connection"),
  opt(
    "rateAbuseLimit",
    "int",
    "50",
    "frames refused for rate within 10 s before closing with 1008",
  ),
  opt(
    "maxSocketsPerIp",
    "int",
    "20",
    "concurrent WebSockets per client address (0: no limit)",
  ),
  opt(
    "maxConnections",
    "int",
    "0",
    "WebSockets held at once, then 503; keep it below ulimit -n (0: no cap)",
  ),
  opt(
    "maxHttpConnectionsPerIp",
    "int",
    "256",
    "TCP connections per client address group not (yet) upgraded to a WebSocket; node edge only (0: no limit)",
  ),
  opt(
    "wsEdge",
    "string",
    "node",
    "node: serve over node:http with npm ws (bounds every message as it arrives, times out idle TCP); deno: Deno.serve and its upgrade (Deno Deploy)",
    ["node", "deno"],
  ),
  opt(
    "maxHandshakesPerMinute",
    "int",
    "60",
    "WebSocket handshakes per minute per client address (0: no limit)",
  ),
  opt(
    "maxPairingsPerMinute",
    "int",
    "20",
    "requests for a partner per minute per address group, per instance; past it they wait (0: no cap)",
  ),
  opt(
    "trustProxy",
    "proxy",
    "false",
    "the proxy header that names the client: x-forwarded-for or forwarded (its last hop only; true means x-forwarded-for)",
  ),
  opt(
    "ipv4Prefix",
    "int",
    "32",
    "IPv4 addresses count together per this prefix, 8 to 32 (IPv6 always per /64)",
  ),
  opt(
    "publicOrigin",
    "string",
    "",
    "the chat's public origin, such as https://chat.example.com: /ws then needs this Origin (or one allowed) and Host",
  ),
  opt(
    "maxBufferedBytes",
    "int",
    "1048576",
    "bytes queued to a slow reader before it is dropped",
  ),
  opt(
    "idleTimeout",
    "int",
    "30",
    "a peer silent this long (pinged halfway) is closed as dead; 0: never",
  ),
  opt(
    "requestTimeout",
    "int",
    "10",
    "seconds a socket may stay open without sending request or presence (4001)",
  ),
  opt(
    "resumeGrace",
    "int",
    "30",
    "seconds a resumable visitor's chat waits for it after its connection drops (then 4006), on any instance with Redis or Deno KV; 0: resume off",
  ),
  opt(
    "resumeBufferLines",
    "int",
    "50",
    "lines kept for a resumable visitor, at most this many sent to it while away (past it its partner is closed: 4007)",
  ),
  opt(
    "resumeBufferBytes",
    "int",
    "65536",
    "the same bound in characters of frames (4007 past it)",
  ),
  opt(
    "redisUrl",
    "string",
    "",
    "redis://host:port to pair across instances (empty: in-memory)",
  ),
  opt(
    "kvPath",
    "string",
    "",
    "Deno KV path to pair across processes; ':deploy' opens Deno Deploy's KV",
  ),
  opt(
    "metricsToken",
    "string",
    "",
    "bearer token required by /metrics from anywhere, the local network included (empty: /metrics answers only the local network, see --metrics-public)",
  ),
  opt(
    "metricsPublic",
    "bool",
    "false",
    "without a metrics token, answer /metrics from any address, not only from loopback and private networks",
  ),
  opt(
    "logFormat",
    "string",
    "auto",
    "json, text, or auto (json unless a TTY)",
    [
      "auto",
      "json",
      "text",
    ],
  ),
  opt("logLevel", "string", "info", "debug, info, warn or error", LEVELS),
  opt("logIps", "bool", "false", "include client addresses in logs"),
  ...MATCH_OPTIONS,
  ...SITE_OPTIONS,
  ...MODERATION_OPTIONS,
];

/** Raised for a flag or variable that cannot be understood. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Resolves the configuration from flags, then environment, then defaults.
 * Throws {@linkcode ConfigError} for an unknown flag or a malformed value.
 */
export function loadConfig(
  args: readonly string[],
  env: (name: string) => string | undefined,
): Config {
  const given = new Map<OptionSpec, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // `deno task start -- --port 9000` passes the separator on.
    if (arg === "--") continue;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const spec = OPTIONS.find((o) => o.flag === name);
    if (!spec) throw new ConfigError(`unknown option ${name}`);
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = args[i + 1];
      if (
        (spec.kind === "bool" || spec.kind === "proxy") &&
        (next === undefined || next.startsWith("-"))
      ) {
        value = "true";
      } else if (next === undefined) {
        throw new ConfigError(`${name} needs a value`);
      } else {
        value = next;
        i++;
      }
    }
    given.set(spec, value);
  }
  const config: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const raw = given.get(spec) ?? env(spec.env) ?? spec.default;
    config[spec.key] = parseValue(spec, raw);
  }
  const prefix = config.ipv4Prefix as number;
  if (prefix < 8 || prefix > 32) {
    throw new ConfigError(`--ipv4-prefix must be 8 to 32, got ${prefix}`);
  }
  const origin = config.publicOrigin as string;
  if (origin !== "" && !/^https?:\/\/[^/]+\/?$/.test(origin)) {
    throw new ConfigError(
      `--public-origin must be a scheme and host such as https://chat.example.com, got "${origin}"`,
    );
  }
  const problem = siteProblem(config as unknown as Config) ??
    moderationProblem(config as unknown as Config);
  if (problem) throw new ConfigError(problem);
  return config as unknown as Config;
}

function parseValue(spec: OptionSpec, raw: string): unknown {
  const where = `${spec.flag} / ${spec.env}`;
  switch (spec.kind) {
    case "int": {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
        throw new ConfigError(`${where} must be a whole number, got "${raw}"`);
      }
      return n;
    }
    case "proxy": {
      // Before it named a header, TRUST_PROXY was a switch: `true` keeps
      // working as the header every common proxy (and deploy/) sets.
      const v = raw.trim().toLowerCase();
      if (v === "x-forwarded-for" || v === "forwarded") return v;
      if (["1", "true", "yes", "on"].includes(v)) return "x-forwarded-for";
      if (["0", "false", "no", "off", ""].includes(v)) return false;
      throw new ConfigError(
        `${where} must be false, x-forwarded-for or forwarded, got "${raw}"`,
      );
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return true;
      if (["0", "false", "no", "off", ""].includes(v)) return false;
      throw new ConfigError(`${where} must be true or false, got "${raw}"`);
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter(Boolean);
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new ConfigError(
          `${where} must be one of ${spec.choices.join(", ")}, got "${raw}"`,
        );
      }
      return raw;
  }
}

/** The defaults, for tests and embedding: `loadConfig([], () => undefined)`. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig([], () => undefined), ...overrides };
}
