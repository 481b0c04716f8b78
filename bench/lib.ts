/**
 * Helpers shared by the benchmark harness and its load generator:
 * percentiles and medians, rounding, a line reader for the JSON lines the
 * generators and the orchestrator exchange over stdio, flag parsing, and
 * a watch on the event loop's stalls.
 *
 * @module
 */

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

/** How late this process's event loop ran a 10 ms timer while watched. */
export interface Stalls {
  /** The longest delay past the timer's due time (ms). */
  maxMs: number;
  /** Delays over 50 ms. */
  over50: number;
}

/**
 * Starts watching this process's event loop (a garbage collection or a
 * long task shows as a timer fired late); the returned function stops and
 * reports. A load generator that stalls measures its own pauses as relay
 * latency, so its figures say how long it stalled.
 */
export function watchStalls(): () => Stalls {
  const every = 10;
  let last = performance.now();
  const stalls: Stalls = { maxMs: 0, over50: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - every;
    last = now;
    stalls.maxMs = Math.max(stalls.maxMs, round(late));
    if (late > 50) stalls.over50++;
  }, every);
  return () => {
    clearInterval(timer);
    return stalls;
  };
}
