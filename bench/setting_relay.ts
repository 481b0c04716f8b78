/**
 * The relay under one setting of our server, for the scenarios that compare
 * two settings of one option in the same run (`evidence`, `resume`): an
 * open-loop window at a fixed rate, then a closed-loop window on the same
 * pairs, server CPU per message in each, and the memory the chatting pairs
 * hold. Each run returns one {@linkcode SettingRow}; the tables of both
 * settings side by side come from {@linkcode settingRows}.
 *
 * @module
 */

import type {
  AddReply,
  CheckReply,
  ClosedReply,
  OpenReply,
} from "./generator.ts";
import type { RequestSpec } from "./interests.ts";
import { type Percentiles, round, sleep } from "./lib.ts";
import { OURS_UNTHROTTLED, readCpuSeconds, readMemoryKb } from "./process.ts";
import { mb, type ScenarioOptions, session } from "./scenarios.ts";

/** One measurement window. */
export interface SettingWindow {
  seconds: number;
  /** Lines relayed to a partner in the window. */
  messages: number;
  messagesPerSecond: number;
  serverCpuPer10k: number;
  serverCpuShare: number;
  relayMs: Percentiles;
}

/** One run of the relay under one setting. */
export interface SettingRow {
  pairs: number;
  /** Lines a second offered in the open loop, in total. */
  offeredPerSecond: number;
  open: SettingWindow & { lost: number };
  closed: SettingWindow;
  errors: number;
  errorKinds: Record<string, number>;
  /** RSS before any visitor came. */
  idleRssMb: number;
  /** RSS at the end, the pairs still chatting. */
  rssMb: number;
  /**
   * RSS growth from idle per 1,000 paired sockets, taken after the open
   * loop (each socket has had its share of the lines).
   */
  rssPer1000SocketsMb: number;
}

/** Options for {@linkcode relayUnder}. */
export interface SettingOptions extends ScenarioOptions {
  pairs: number;
  /** Lines a second in the open loop, over all pairs. */
  rate: number;
  /** Length of each measurement window. */
  seconds: number;
}

/** What differs between the two settings: server flags, and the requests. */
export interface Setting {
  /** Flags after {@linkcode RELAY_FLAGS}. */
  flags: readonly string[];
  /** The visitors' requests (absent: bare ones). */
  requests?: RequestSpec;
}

/**
 * The closed loop's limits off, and the early-link filter off: the
 * measurement windows fall in the chats' first 30 s, where the filter
 * would look at every line, and the ratios are about the setting.
 */
const RELAY_FLAGS: readonly string[] = [
  ...OURS_UNTHROTTLED,
  "--early-filter-lines",
  "0",
  "--early-filter-seconds",
  "0",
];

/**
 * `pairs` pairs under `setting`: an open-loop window at `rate` lines/s, then
 * a closed-loop window on the same pairs. CPU per message counts the lines
 * relayed to a partner.
 */
export async function relayUnder(
  setting: Setting,
  options: SettingOptions,
): Promise<SettingRow> {
  const { pairs, rate, seconds } = options;
  const serverFlags = [...RELAY_FLAGS, ...setting.flags];
  const setup = { target: "ours" as const, ours: options.ours, serverFlags };
  return await session({ ...setup, generators: 1 }, async (server, [g]) => {
    await sleep(1500);
    const idle = readMemoryKb(server.pid).rssKb;
    const added = await g.call<AddReply>({
      cmd: "add",
      count: pairs * 2,
      batch: 500,
      requests: setting.requests,
    });
    if (added.paired !== pairs * 2) {
      throw new Error(`relay: only ${added.paired} of ${pairs * 2} paired`);
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
    // Every socket has had a few dozen lines at a steady rate: what a chat
    // holds, before the closed loop's garbage swells the heap.
    const chatted = readMemoryKb(server.pid).rssKb;
    await g.call({ cmd: "closed", seconds: 1 });
    const closed = await cpu(() =>
      g.call<ClosedReply>({ cmd: "closed", seconds })
    );
    const check = await g.call<CheckReply>({ cmd: "check" });
    const end = readMemoryKb(server.pid).rssKb;
    const perSocket = (chatted - idle) / 1024 / (pairs * 2 / 1000);
    const window = (
      w: { result: OpenReply | ClosedReply; cpu: number },
      messages: number,
    ): SettingWindow => ({
      seconds: w.result.seconds,
      messages,
      messagesPerSecond: round(messages / w.result.seconds, 1),
      serverCpuPer10k: round(w.cpu / messages * 10_000, 4),
      serverCpuShare: round(w.cpu / w.result.seconds, 2),
      relayMs: w.result.relay,
    });
    const row: SettingRow = {
      pairs,
      offeredPerSecond: rate,
      open: { ...window(open, open.result.guests), lost: open.result.lost },
      closed: window(closed, closed.result.echoes),
      errors: check.errors,
      errorKinds: check.errorKinds,
      idleRssMb: mb(idle),
      rssMb: mb(end),
      rssPer1000SocketsMb: round(perSocket, 2),
    };
    console.error(
      `    open ${row.open.serverCpuPer10k} s/10k, closed ${row.closed.serverCpuPer10k} s/10k, ${row.rssPer1000SocketsMb} MB per 1,000 sockets, ${row.open.lost} lost, ${row.errors} errors`,
    );
    return row;
  });
}

/** The metrics of a {@linkcode SettingRow} table, for `settingRows`. */
export function settingMetrics(
  rate: number,
): [name: string, pick: (row: SettingRow) => number][] {
  return [
    [
      `**open loop, ${
        rate.toLocaleString("en")
      } lines/s: server CPU s per 10k messages**`,
      (v) => v.open.serverCpuPer10k,
    ],
    ["open loop: server CPU share (cores)", (v) => v.open.serverCpuShare],
    ["open loop: relay p50 (ms)", (v) => v.open.relayMs.p50],
    ["open loop: relay p99 (ms)", (v) => v.open.relayMs.p99],
    ["open loop: lines lost", (v) => v.open.lost],
    [
      "**closed loop: server CPU s per 10k messages**",
      (v) => v.closed.serverCpuPer10k,
    ],
    ["closed loop: messages/s", (v) => v.closed.messagesPerSecond],
    ["closed loop: relay p99 (ms)", (v) => v.closed.relayMs.p99],
    ["**RSS per 1,000 paired sockets (MB)**", (v) => v.rssPer1000SocketsMb],
    ["RSS at the end (MB)", (v) => v.rssMb],
    ["errors", (v) => v.errors],
  ];
}
