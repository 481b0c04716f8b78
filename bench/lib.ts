/**
 * Helpers shared by the benchmark harness: percentiles, readers for a
 * process's CPU time and memory in `/proc`, and a line reader for the JSON
 * lines the generators and the orchestrator exchange over stdio.
 *
 * @module
 */

/** CPU seconds (user + system) and memory (kB) of one process. */
export interface ProcSample {
  /** User plus system CPU time, in seconds. */
  cpu: number;
  /** Resident set size, in kB. */
  rssKb: number;
  /** Peak resident set size, in kB. */
  hwmKb: number;
}

/** Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = 100;

/** Reads user + system CPU seconds from `/proc/PID/stat`. */
export function readCpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 (utime) and 15 (stime) of proc(5), here at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Reads VmRSS and VmHWM (kB) from `/proc/PID/status`. */
export function readMemoryKb(pid: number): { rssKb: number; hwmKb: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => {
    const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) : NaN;
  };
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

/** Samples CPU and memory of a process at once. */
export function sampleProc(pid: number): ProcSample {
  return { cpu: readCpuSeconds(pid), ...readMemoryKb(pid) };
}

/** Percentiles of a list of samples, in the samples' unit. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Computes p50, p99, p99.9 and the maximum (nearest rank). Sorts `samples`
 * in place; an empty list yields `NaN`s.
 */
export function percentiles(samples: number[]): Percentiles {
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples.length === 0 ? NaN : samples[
      Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)
    ];
  return {
    count: samples.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(samples.length ? samples[samples.length - 1] : NaN),
  };
}

/** Rounds to three decimals (microseconds, for milliseconds). */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The median of a list (sorted copy); `NaN` when empty. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits a byte stream into text lines (without the newline). */
export async function* lines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered) yield buffered;
}

/** Reads flags of the form `--name value` or `--name=value` into a map. */
export function parseFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
      flags.set(arg.slice(2), args[++i]);
    } else {
      flags.set(arg.slice(2), "true");
    }
  }
  return flags;
}

/** Limits that would throttle a single-address load test, turned off. */
export const OURS_BASE = [
  "--max-sockets-per-ip",
  "0",
  "--max-handshakes-per-minute",
  "0",
  // The listening line as plain text, warnings only after it.
  "--log-format",
  "text",
  "--log-level",
  "warn",
];
/** For closed-loop relay: a visitor sends far above a human's rate. */
export const OURS_UNTHROTTLED = [
  ...OURS_BASE,
  "--rate-messages",
  "1000000",
  "--rate-burst",
  "1000000",
];
