/**
 * The Prometheus text exposition format (version 0.0.4), and the server's
 * figures written in it for `/metrics`. Counting happens elsewhere, as plain
 * numbers ({@linkcode Metrics}, the switchboard's stats); this module only
 * reads them when scraped.
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import { WAIT_BUCKETS } from "./metrics.ts";
import { liveFigures } from "./health.ts";
import { VERSION } from "./version.ts";

/** The `Content-Type` of the text format. */
export const PROMETHEUS_CONTENT_TYPE =
  "text/plain; version=0.0.4; charset=utf-8";

/** Label name → value of one sample. */
export type Labels = Record<string, string>;

/** One sample of a family: its labels (if any) and value. */
export interface Sample {
  labels?: Labels;
  value: number;
}

/** Builds an exposition one metric family at a time. */
export class Exposition {
  #lines: string[] = [];

  /** Adds a counter family; `name` should end in `_total`. */
  counter(name: string, help: string, samples: number | Sample[]): this {
    return this.#family(name, "counter", help, samples);
  }

  /** Adds a gauge family. */
  gauge(name: string, help: string, samples: number | Sample[]): this {
    return this.#family(name, "gauge", help, samples);
  }

  /**
   * Adds a histogram from per-bucket counts: `counts[i]` observations fell
   * at or below `bounds[i]` and above the bound before it; one more count
   * than bounds, the last for `+Inf`. Written cumulative, as the format asks.
   */
  histogram(
    name: string,
    help: string,
    data: { bounds: readonly number[]; counts: readonly number[]; sum: number },
  ): this {
    this.#head(name, "histogram", help);
    let cumulative = 0;
    data.bounds.forEach((bound, i) => {
      cumulative += data.counts[i];
      this.#sample(`${name}_bucket`, { le: formatValue(bound) }, cumulative);
    });
    cumulative += data.counts[data.bounds.length] ?? 0;
    this.#sample(`${name}_bucket`, { le: "+Inf" }, cumulative);
    this.#sample(`${name}_sum`, undefined, data.sum);
    this.#sample(`${name}_count`, undefined, cumulative);
    return this;
  }

  /** The exposition text, ending with a newline. */
  toString(): string {
    return this.#lines.join("\n") + "\n";
  }

  #family(
    name: string,
    type: string,
    help: string,
    samples: number | Sample[],
  ): this {
    this.#head(name, type, help);
    const list = typeof samples === "number" ? [{ value: samples }] : samples;
    for (const { labels, value } of list) this.#sample(name, labels, value);
    return this;
  }

  #head(name: string, type: string, help: string): void {
    const escaped = help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
    this.#lines.push(`# HELP ${name} ${escaped}`, `# TYPE ${name} ${type}`);
  }

  #sample(name: string, labels: Labels | undefined, value: number): void {
    const pairs = Object.entries(labels ?? {}).map(([k, v]) =>
      `${k}="${escapeLabel(v)}"`
    );
    const set = pairs.length ? `{${pairs.join(",")}}` : "";
    this.#lines.push(`${name}${set} ${formatValue(value)}`);
  }
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')
    .replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Every figure the server exposes, in the text format. */
export function renderMetrics(state: AppState): string {
  const { metrics, switchboard } = state;
  const live = liveFigures(state);
  const memory = Deno.memoryUsage();
  return new Exposition()
    .gauge("strangers_build_info", "Version of the running build.", [
      { labels: { version: VERSION }, value: 1 },
    ])
    .gauge(
      "strangers_start_time_seconds",
      "When the server started, in seconds since the epoch.",
      state.startedAt / 1000,
    )
    .gauge(
      "strangers_up",
      "1 while serving, 0 while shutting down or without its backend.",
      live.ok ? 1 : 0,
    )
    .gauge(
      "strangers_backend_up",
      "Whether the pairing backend answers.",
      live.backendUp ? 1 : 0,
    )
    .gauge(
      "strangers_connections",
      "WebSocket connections held by this instance.",
      live.connections,
    )
    .gauge(
      "strangers_online",
      "Visitors connected, across the cluster when the backend knows.",
      live.online,
    )
    .gauge(
      "strangers_waiting",
      "Visitors on this instance waiting for a partner.",
      live.waiting,
    )
    .gauge(
      "strangers_chatting",
      "Visitors on this instance in a conversation.",
      live.chatting,
    )
    .gauge(
      "strangers_pairs_active",
      "Conversations on this instance (a pair spanning two instances counts one half on each).",
      live.pairs,
    )
    .counter(
      "strangers_pairs_total",
      "Pairs made by this instance.",
      switchboard.stats.pairsMade,
    )
    .counter(
      "strangers_pairs_across_total",
      "Pairs made by this instance with a visitor on another instance.",
      switchboard.backend.pairsAcross ?? 0,
    )
    .counter(
      "strangers_pairs_matched_total",
      "Pairs made by this instance, by how: a shared interest, the same language (no interests), a fallback, or plain (neither asked for anything).",
      byLabel("by", new Map(Object.entries(switchboard.pairs))),
    )
    .counter(
      "strangers_messages_relayed_total",
      "Chat messages relayed from this instance's visitors.",
      switchboard.stats.messagesRelayed,
    )
    .counter(
      "strangers_deliveries_lost_total",
      "Deliveries to a peer on another instance that never arrived.",
      switchboard.stats.deliveriesLost,
    )
    .counter(
      "strangers_frames_rejected_total",
      "Incoming frames refused, by reason.",
      byLabel("reason", metrics.rejected),
    )
    .counter(
      "strangers_ws_closes_total",
      "WebSocket connections closed, by close code.",
      byLabel("code", metrics.closes),
    )
    .counter(
      "strangers_handshakes_refused_total",
      "WebSocket handshakes refused before the upgrade, by reason.",
      byLabel("reason", metrics.refused),
    )
    .histogram(
      "strangers_pairing_wait_seconds",
      "How long visitors waited from request to partner.",
      {
        bounds: WAIT_BUCKETS,
        counts: metrics.waitBuckets,
        sum: metrics.waitSum,
      },
    )
    .counter(
      "strangers_uncaught_errors_total",
      "Errors caught at the top of the process.",
      metrics.uncaught,
    )
    .gauge(
      "process_resident_memory_bytes",
      "Resident memory size in bytes.",
      memory.rss,
    )
    .gauge(
      "strangers_heap_used_bytes",
      "V8 heap in use, in bytes.",
      memory.heapUsed,
    )
    .toString();
}

function byLabel(
  label: string,
  counts: Map<string | number, number>,
): Sample[] {
  return [...counts].sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([key, value]) => ({ labels: { [label]: String(key) }, value }));
}
